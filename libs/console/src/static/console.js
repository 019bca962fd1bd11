/* global document, navigator, window */
/*
 * The console's only script, loaded from this origin (the CSP forbids inline scripts). Every page works
 * without it; it only adds conveniences: copy a new API key, confirm a revocation, submit a filter on change.
 */
'use strict';

document.addEventListener('DOMContentLoaded', function () {
  // Copy buttons stay hidden without script: they could not work.
  document.querySelectorAll('[data-copy-from]').forEach(function (button) {
    var source = document.getElementById(button.getAttribute('data-copy-from'));
    var status = document.querySelector('[data-copy-status]');
    if (!source || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      navigator.clipboard.writeText(source.value).then(
        function () {
          if (status) status.textContent = 'Copied.';
        },
        function () {
          source.select();
          if (status) status.textContent = 'Select the key and copy it by hand.';
        },
      );
    });
  });

  document.querySelectorAll('[data-select-on-focus]').forEach(function (input) {
    input.addEventListener('focus', function () {
      input.select();
    });
  });

  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
    });
  });

  document.querySelectorAll('form[data-autosubmit] select').forEach(function (select) {
    select.addEventListener('change', function () {
      select.form.submit();
    });
  });
});
