#!/bin/sh
# Fencing for real hosts through their BMCs (IPMI over LAN), with pcs: one
# device per host, never run on the host it fences, one fencing level per
# host. Replace addresses and credentials with yours. PCS as in vm.sh.
set -eu
PCS=${PCS:-pcs}

for i in 1 2 3; do
	$PCS stonith create "fence-node$i" fence_ipmilan \
		ip="192.0.2.10$i" username=admin password=secret lanplus=1 \
		pcmk_host_list="node$i" \
		op monitor interval=60s timeout=20s
	$PCS constraint location "fence-node$i" avoids "node$i"
	$PCS stonith level add 1 "node$i" "fence-node$i"
done
