import { ArgumentsHost, Logger } from '@nestjs/common';
import { OmegaError, OmegaErrorCode } from './omega-error';
import { OmegaExceptionFilter } from './omega-exception.filter';

function hostFor(response: object): ArgumentsHost {
  return { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
}

describe('OmegaExceptionFilter', () => {
  afterEach(() => jest.restoreAllMocks());

  it('cuts a started answer and logs the error with an id, whatever its kind', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const response = { headersSent: true, destroy: jest.fn(), status: jest.fn() };
    new OmegaExceptionFilter().catch(
      new OmegaError(OmegaErrorCode.InvalidInput, 'bad row 5000'),
      hostFor(response),
    );
    expect(response.destroy).toHaveBeenCalledTimes(1);
    expect(response.status).not.toHaveBeenCalled();
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0][0])).toMatch(
      /failed after its first bytes \(error id [0-9a-f-]{36}\)/,
    );
    expect(String(logged.mock.calls[0][1])).toContain('bad row 5000');
  });

  it('answers an unexpected error 500 with an error id and no internals', () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const json = jest.fn();
    const response = { headersSent: false, status: jest.fn(() => ({ json })) };
    new OmegaExceptionFilter().catch(new Error('secret internals at /srv/app.js:12'), hostFor(response));
    expect(response.status).toHaveBeenCalledWith(500);
    const body = json.mock.calls[0][0] as { message: string; errorId: string };
    expect(body.message).not.toContain('secret internals');
    expect(body.message).toContain(body.errorId);
  });
});
