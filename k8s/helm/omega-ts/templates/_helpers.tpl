{{/* Names and labels shared by every template. */}}

{{- define "omega.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "omega.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: pass (dict "root" $ "component" "api"). */}}
{{- define "omega.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "omega.image" -}}
{{- $tag := toString .Values.image.tag -}}
{{- if or (eq $tag "") (eq $tag "latest") -}}
{{- fail "image.tag must name a release (not empty, not latest)" -}}
{{- end -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}

{{- define "omega.secretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{- .Values.secrets.existingSecret -}}
{{- else -}}
{{- printf "%s-secrets" (include "omega.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "omega.configName" -}}
{{- printf "%s-config" (include "omega.fullname" .) -}}
{{- end -}}

{{/* Settings every process reads: the ConfigMap, then the Secret. */}}
{{- define "omega.envFrom" -}}
- configMapRef:
    name: {{ include "omega.configName" . }}
- secretRef:
    name: {{ include "omega.secretName" . }}
{{- end -}}

{{/* A worker pool's Deployment name; the cloud manager derives it the same way (release-worker-pool). */}}
{{- define "omega.workerName" -}}
{{- printf "%s-worker-%s" (include "omega.fullname" .root) .pool | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "omega.writableVolumeMounts" -}}
- name: data
  mountPath: /data
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "omega.writableVolumes" -}}
- name: data
  emptyDir:
    sizeLimit: {{ .sizeLimit }}
- name: tmp
  emptyDir:
    sizeLimit: 1Gi
{{- end -}}

{{- /* Egress every process needs: DNS, and MongoDB/RabbitMQ/PostgreSQL (outside CIDRs, or the dev pods). */}}
{{- define "omega.serviceEgress" -}}
- ports:
    - { protocol: UDP, port: 53 }
    - { protocol: TCP, port: 53 }
{{- if .Values.dev.enabled }}
- to:
    - podSelector:
        matchLabels:
          {{- include "omega.selector" (dict "root" . "component" "dev-services") | nindent 10 }}
  ports:
    - { protocol: TCP, port: 27017 }
    - { protocol: TCP, port: 5672 }
    - { protocol: TCP, port: 5432 }
{{- else }}
- to:
    {{- range .Values.networkPolicy.servicesCidrs }}
    - ipBlock: { cidr: {{ . | quote }} }
    {{- end }}
  ports:
    - { protocol: TCP, port: {{ .Values.networkPolicy.ports.mongodb }} }
    - { protocol: TCP, port: {{ .Values.networkPolicy.ports.rabbitmq }} }
    - { protocol: TCP, port: {{ .Values.networkPolicy.ports.postgresql }} }
{{- end }}
{{- end }}
