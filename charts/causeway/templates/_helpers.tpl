{{- define "causeway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "causeway.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "causeway.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "causeway.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "causeway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "causeway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: causeway
{{- end -}}

{{/* selector labels: call with (dict "ctx" $ "component" "agent") */}}
{{- define "causeway.selector" -}}
app.kubernetes.io/name: {{ include "causeway.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "causeway.image" -}}
{{- $tag := .image.tag | default .ctx.Values.global.imageTag | default .ctx.Chart.AppVersion -}}
{{- printf "%s/%s:%s" .ctx.Values.global.imageRegistry .image.repository $tag -}}
{{- end -}}

{{- define "causeway.tlsSecret" -}}
{{- if eq .Values.tls.mode "provided" -}}{{ .Values.tls.existingSecret }}{{- else -}}{{ include "causeway.fullname" . }}-tls{{- end -}}
{{- end -}}

{{- define "causeway.mediatorHost" -}}
{{- printf "%s-mediator.%s.svc" (include "causeway.fullname" .) .Release.Namespace -}}
{{- end -}}

{{- define "causeway.vmURL" -}}
{{- if .Values.victoriametrics.external.url -}}
{{- .Values.victoriametrics.external.url -}}
{{- else -}}
{{- printf "http://%s-victoriametrics.%s.svc:%d" (include "causeway.fullname" .) .Release.Namespace (int .Values.victoriametrics.port) -}}
{{- end -}}
{{- end -}}

{{- define "causeway.vmBundled" -}}
{{- if and .Values.victoriametrics.enabled (not .Values.victoriametrics.external.url) -}}true{{- end -}}
{{- end -}}

{{/* Pod Security "restricted" container security context */}}
{{- define "causeway.restrictedContainer" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "causeway.restrictedPod" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "causeway.pullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "causeway.tokenVolume" -}}
- name: mediator-token
  projected:
    sources:
      - serviceAccountToken:
          path: token
          audience: {{ .Values.auth.audience }}
          expirationSeconds: {{ .Values.auth.tokenExpirationSeconds }}
      {{- if .Values.tls.enabled }}
      - secret:
          name: {{ include "causeway.tlsSecret" . }}
          items:
            - key: ca.crt
              path: ca.crt
      {{- end }}
{{- end -}}

{{/* What the agent and the executor share to reach the mediator: its token file and CA (the mediator-token volume). */}}
{{- define "causeway.clientEnv" -}}
- name: CAUSEWAY_MEDIATOR_TOKEN_FILE
  value: /var/run/causeway/token/token
{{- if .Values.tls.enabled }}
- name: CAUSEWAY_MEDIATOR_CA_FILE
  value: /var/run/causeway/token/ca.crt
{{- end }}
- name: CAUSEWAY_LOG_LEVEL
  value: {{ .Values.global.logLevel | quote }}
{{- end -}}

{{/* egress rules shared by clients: DNS + kube API */}}
{{- define "causeway.egressDnsApi" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: {{ .Values.networkPolicy.dns.namespace }}
      podSelector:
        matchLabels:
          {{- toYaml .Values.networkPolicy.dns.podLabels | nindent 10 }}
  ports:
    - { protocol: UDP, port: 53 }
    - { protocol: TCP, port: 53 }
- to:
    {{- range .Values.networkPolicy.kubeAPI.cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    {{- range .Values.networkPolicy.kubeAPI.ports }}
    - { protocol: TCP, port: {{ . }} }
    {{- end }}
{{- end -}}

{{/* port of a URL: (dict "url" "http://x:1" "default" 80) */}}
{{- define "causeway.urlPort" -}}
{{- $u := urlParse .url -}}
{{- $parts := splitList ":" $u.host -}}
{{- if gt (len $parts) 1 -}}{{ last $parts }}{{- else if eq $u.scheme "https" -}}443{{- else if eq $u.scheme "http" -}}80{{- else -}}{{ .default }}{{- end -}}
{{- end -}}
