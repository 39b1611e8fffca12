{{/* Names and labels. */}}
{{- define "prodplan.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "prodplan.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "prodplan.selectorLabels" -}}
app.kubernetes.io/name: {{ include "prodplan.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "prodplan.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "prodplan.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "prodplan.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "prodplan.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Refuse settings the server would refuse at start-up, with the fix in the message. */}}
{{- define "prodplan.validate" -}}
{{- if and (not .Values.tls.enabled) (not .Values.allowInsecure) -}}
{{- fail "tls.enabled=false and allowInsecure=false: the server refuses plaintext off loopback. Enable tls (tls.secretName), or set allowInsecure=true where a mesh or proxy encrypts the traffic" -}}
{{- end -}}
{{- if and .Values.tls.clientCA.enabled (not .Values.tls.enabled) -}}
{{- fail "tls.clientCA.enabled (mutual TLS) needs tls.enabled" -}}
{{- end -}}
{{- if and .Values.tls.enabled .Values.tls.clientCA.enabled (not .Values.tls.clientCA.probeClientSecretName) -}}
{{- fail "mutual TLS: set tls.clientCA.probeClientSecretName, a kubernetes.io/tls Secret with a client certificate of the client CA, for the health probes" -}}
{{- end -}}
{{- if not .Values.store.existingSecret -}}
{{- fail "store.existingSecret: name the Secret with the PostgreSQL URL (the plan store every pod shares)" -}}
{{- end -}}
{{- end -}}

{{/* One probe's action: the kubelet's gRPC probe in plaintext, the image's TLS-capable health check with TLS. */}}
{{- define "prodplan.probeAction" -}}
{{- if .Values.tls.enabled -}}
exec:
  command: ["python", "/app/healthcheck.py"]
{{- else -}}
grpc:
  port: {{ .Values.service.port }}
  service: ""
{{- end -}}
{{- end -}}
