#!/usr/bin/env bash
# Hosts for a Parley test network on one Linux machine: one network namespace per node, each with a
# veth pair to a Linux bridge that lives in its own namespace. Addresses come from one private /24
# that exists only inside these namespaces; a blackhole route for it in the root namespace makes sure
# nothing addressed to it can leave the machine. Needs root and iproute2 (nft for `loss`/`block`).
#
#   testnet/netns.sh up N [PREFIX]            # PREFIX-sw (bridge) + PREFIX-00 .. PREFIX-(N-1), 10.77.0.1 ..
#   testnet/netns.sh down [PREFIX]            # kills processes in them, deletes them and the blackhole route
#   testnet/netns.sh exec I CMD... [PREFIX via PN_PREFIX]   # run CMD inside host I (its loopback is its own)
#   testnet/netns.sh cut I | heal I           # link of host I down / up (at the bridge port)
#   testnet/netns.sh block I ADDR | unblock I # host I drops packets arriving from ADDR (one-way) / clears rules
#   testnet/netns.sh loss I PCT               # host I drops PCT % of its packets, both directions (nftables)
#   testnet/netns.sh list [PREFIX]
#
# The Java harness (verticles/src/test/java/org/parley/verticles/netns) does the same with namespaces
# "pnj<pid>-*" and subnets 10.77.X.0/24 from X = 1, so a person's network (default prefix "pn", subnet
# PN_SUBNET=10.77.0) and a test's never collide.
#
# A network of Parley nodes, e.g. 3 relays (the first is the seed) and one user, by hand:
#   testnet/netns.sh up 4
#   JAR=verticles/target/parley-verticles-0.1.0-SNAPSHOT-all.jar
#   testnet/netns.sh exec 0 java -jar $JAR node --data-dir /tmp/pn/0 --peer-host 10.77.0.1 ... &
#   (see docs/testnets.md for the full recipe)
set -euo pipefail

SUBNET="${PN_SUBNET:-10.77.0}"
cmd="${1:-}"; shift || true

ns_name() { printf '%s-%02d' "$1" "$2"; }

case "$cmd" in
  up)
    n="${1:?usage: up N [PREFIX]}"; prefix="${2:-${PN_PREFIX:-pn}}"
    [ "$n" -ge 1 ] && [ "$n" -le 200 ] || { echo "N must be 1..200" >&2; exit 2; }
    ip route replace blackhole "$SUBNET.0/24"
    ip netns add "$prefix-sw"
    ip -n "$prefix-sw" link add br0 type bridge
    ip -n "$prefix-sw" link set br0 up
    ip -n "$prefix-sw" link set lo up
    for ((i = 0; i < n; i++)); do
      ns="$(ns_name "$prefix" "$i")"
      ip netns add "$ns"
      ip link add eth0 netns "$ns" type veth peer name "p$i" netns "$prefix-sw"
      ip -n "$prefix-sw" link set "p$i" master br0
      ip -n "$prefix-sw" link set "p$i" up
      ip -n "$ns" addr add "$SUBNET.$((i + 1))/24" dev eth0
      ip -n "$ns" link set eth0 up
      ip -n "$ns" link set lo up
      echo "$ns $SUBNET.$((i + 1))"
    done
    ;;
  down)
    prefix="${1:-${PN_PREFIX:-pn}}"
    for ns in $(ip netns list | awk '{print $1}' | grep -E "^$prefix-" || true); do
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    done
    ip route del blackhole "$SUBNET.0/24" 2>/dev/null || true
    ;;
  exec)
    i="${1:?usage: exec I CMD...}"; shift
    exec ip netns exec "$(ns_name "${PN_PREFIX:-pn}" "$i")" "$@"
    ;;
  cut)  ip -n "${PN_PREFIX:-pn}-sw" link set "p${1:?host}" down ;;
  heal) ip -n "${PN_PREFIX:-pn}-sw" link set "p${1:?host}" up ;;
  block)
    ns="$(ns_name "${PN_PREFIX:-pn}" "${1:?host}")"; addr="${2:?address}"
    ip netns exec "$ns" nft add table inet chaos
    ip netns exec "$ns" nft add chain inet chaos input '{ type filter hook input priority 0; policy accept; }'
    ip netns exec "$ns" nft add rule inet chaos input ip saddr "$addr" drop
    ;;
  loss)
    ns="$(ns_name "${PN_PREFIX:-pn}" "${1:?host}")"; pct="${2:?percent}"
    ip netns exec "$ns" nft add table inet chaos
    ip netns exec "$ns" nft add chain inet chaos input '{ type filter hook input priority 0; policy accept; }'
    ip netns exec "$ns" nft add chain inet chaos output '{ type filter hook output priority 0; policy accept; }'
    ip netns exec "$ns" nft add rule inet chaos input iifname eth0 numgen random mod 100 '<' "$pct" drop
    ip netns exec "$ns" nft add rule inet chaos output oifname eth0 numgen random mod 100 '<' "$pct" drop
    ;;
  unblock)
    ip netns exec "$(ns_name "${PN_PREFIX:-pn}" "${1:?host}")" nft delete table inet chaos 2>/dev/null || true
    ;;
  list)
    prefix="${1:-${PN_PREFIX:-pn}}"
    ip netns list | awk '{print $1}' | grep -E "^$prefix-" | sort || true
    ;;
  *)
    sed -n '2,20p' "$0" >&2
    exit 2
    ;;
esac
