#!/usr/bin/env bash
# Regenerates k8s/base/node.yaml and k8s/overlays/clustered-node/node.yaml from conf/node.yaml with the two
# deliberate pod overrides (data-dir, gateway.host). ManifestsTest fails when they drift; run this, then review.
set -euo pipefail
K8S="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
{
  cat <<'HDR'
# Copy of conf/node.yaml for the configMapGenerator (kustomize v2.0.3 reads files only inside
# the kustomization directory). ManifestsTest keeps it equal to conf/node.yaml except the deliberate
# pod overrides: data-dir (the volume mount) and gateway.host (0.0.0.0 so probes and Prometheus reach
# the pod). Per-pod values come from env in the manifests: peer.host and cluster.host = the pod IP
# (peer.host is advertised in the relay descriptor, so it must be routable, not 0.0.0.0).
# Regenerate with k8s/sync-node-yaml.sh.
HDR
  sed -e 's|^data-dir: ./data                 #|data-dir: /var/lib/parley       #|' \
      -e '/^gateway:/,/^[a-z]/ s|^  host: 127.0.0.1                #|  host: 0.0.0.0                  #|' \
      "$K8S/../conf/node.yaml"
} > "$K8S/base/node.yaml"
cp "$K8S/base/node.yaml" "$K8S/overlays/clustered-node/node.yaml"
