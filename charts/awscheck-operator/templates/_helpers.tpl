{{/* The chart's name; every object of the operator is named after it. */}}
{{- define "awscheck-operator.name" -}}
{{- .Chart.Name -}}
{{- end -}}

{{/* Labels every object of one component (operator, portal) carries: include with (list . "operator"). */}}
{{- define "awscheck-operator.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/part-of: awscheck-operator
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
{{ include "awscheck-operator.selectorLabels" . }}
{{- end -}}

{{/* Selector labels of one component (operator, portal): include with (list . "operator"). */}}
{{- define "awscheck-operator.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "awscheck-operator.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* The operator's ServiceAccount; the fence's operatorUsername names it. */}}
{{- define "awscheck-operator.serviceAccountName" -}}
{{- .Values.serviceAccount.name -}}
{{- end -}}

{{/* The image the operator and the portal run: by digest when one is set, else by tag. */}}
{{- define "awscheck-operator.image" -}}
{{- $image := .Values.image -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository ($image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/*
The image checker pods run: by default the operator's own, digest included. A checker
repository or tag of its own takes no digest but checker.image.digest. The fence admits only this.
*/}}
{{- define "awscheck-operator.checkerImage" -}}
{{- $checker := .Values.checker.image -}}
{{- $repository := $checker.repository | default .Values.image.repository -}}
{{- $digest := $checker.digest -}}
{{- if and (not $digest) (not $checker.repository) (not $checker.tag) -}}
{{- $digest = .Values.image.digest -}}
{{- end -}}
{{- if $digest -}}
{{- printf "%s@%s" $repository $digest -}}
{{- else -}}
{{- printf "%s:%s" $repository ($checker.tag | default .Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* The restricted container security context (Pod Security Standards "restricted"). */}}
{{- define "awscheck-operator.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The restricted pod security context. */}}
{{- define "awscheck-operator.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Scheduling of one component's pods, from its values: include with (list . .Values.operator). */}}
{{- define "awscheck-operator.scheduling" -}}
{{- $root := index . 0 -}}
{{- $values := index . 1 -}}
{{- with $values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
The operator's Deployments, as a YAML list (fromYamlArray): one serving every namespace, or
with operator.shardSelector the namespaces it selects, named as ever; or one per entry of
operator.shards, each with its own name, Lease, selector and replicas. Each has name,
lease, selector, replicas and shard (empty: not one of several).
*/}}
{{- define "awscheck-operator.operatorDeployments" -}}
{{- $operator := .Values.operator -}}
{{- $name := include "awscheck-operator.name" . -}}
{{- $leaseName := $operator.leaderElection.leaseName -}}
{{- if not $operator.shards -}}
- {{ dict "name" $name "lease" $leaseName "selector" $operator.shardSelector "replicas" (int $operator.replicas) "shard" "" | toJson }}
{{- else -}}
{{- if $operator.shardSelector -}}
{{- fail "operator.shardSelector and operator.shards exclude each other: with shards, each shard names its own selector" -}}
{{- end -}}
{{- $seen := dict -}}
{{- range $operator.shards -}}
{{- if hasKey $seen .name -}}
{{- fail (printf "operator.shards: the name %q is used twice; each shard needs its own Deployment and Lease" .name) -}}
{{- end -}}
{{- $_ := set $seen .name true }}
- {{ dict "name" (printf "%s-%s" $name .name) "lease" (printf "%s-%s" $leaseName .name) "selector" .selector "replicas" (int (default $operator.replicas .replicas)) "shard" .name | toJson }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Selector labels of one operator Deployment: include with (list . $deployment). A shard's
pods also carry awscheck.io/shard, so Deployments never select each other's pods, while
the metrics Service (the component's labels) selects every shard's.
*/}}
{{- define "awscheck-operator.operatorSelectorLabels" -}}
{{- $root := index . 0 -}}
{{- $deployment := index . 1 -}}
{{ include "awscheck-operator.selectorLabels" (list $root "operator") }}
{{- if $deployment.shard }}
awscheck.io/shard: {{ $deployment.shard }}
{{- end }}
{{- end -}}
