#!/usr/bin/env bash
# Measures how long `parley testnet --nodes N --processes` takes to form: seconds from launch until
# every node's parley_discovery_relays_known >= 95 % of N (polled every 5 s from each node's /metrics).
#   testnet/measure-formation.sh [N] [LIMIT_SECONDS]     (needs the shaded jar: bin/parley --help builds it)
# Extra JVM options for the command and its children: JAVA_TOOL_OPTIONS; node settings: PARLEY_* variables.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/verticles/target/parley-verticles-0.1.0-SNAPSHOT-all.jar"
N="${1:-20}"; LIMIT="${2:-150}"
NEED=$(( (N * 95 + 99) / 100 ))
DIR="$(mktemp -d /tmp/parley-formation.XXXXXX)"
S=$(date +%s.%N)
since() { echo "$(date +%s.%N) - $S" | bc | cut -d. -f1; }
java -Xmx256m -jar "$JAR" testnet --nodes "$N" --processes --data-dir "$DIR/data" --json "$DIR/net.json" >"$DIR/out.txt" 2>"$DIR/err.txt" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
until [ -f "$DIR/net.json" ] || ! kill -0 $PID 2>/dev/null; do sleep 0.5; done
[ -f "$DIR/net.json" ] || { echo "testnet exited after $(since) s: $(tail -1 "$DIR/err.txt")"; exit 1; }
echo "all $N nodes ready (table written) after $(since) s"
PORTS=$(python3 -c 'import json,sys;print(" ".join(str(n["gatewayPort"]) for n in json.load(open(sys.argv[1]))))' "$DIR/net.json")
END=$(( $(date +%s) + LIMIT ))
while [ "$(date +%s)" -lt $END ]; do
  all=""; min=999
  for p in $PORTS; do
    v=$(curl -s -m 3 "http://127.0.0.1:$p/metrics" | awk '/^parley_discovery_relays_known /{print int($2)}'); v=${v:-0}
    all="$all $v"; [ "$v" -lt $min ] && min=$v
  done
  echo "$(since) s: relays known per node:$all"
  if [ $min -ge $NEED ]; then echo "formed (every node knows >= $NEED of $N relays) after $(since) s"; exit 0; fi
  sleep 5
done
echo "not formed within $LIMIT s after the table (min $min, need $NEED)"; exit 1
