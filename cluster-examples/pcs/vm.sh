#!/bin/sh
# The same vmha cluster configuration as ../crmsh/*.crm, with pcs (run on one
# node of the running cluster). Set PCS="pcs -f cib.xml" to work on a saved
# CIB instead (cibadmin -Q > cib.xml; ...; pcs cluster cib-push cib.xml).
set -eu
PCS=${PCS:-pcs}

# Fencing on, placement by utilization.
$PCS property set stonith-enabled=true stonith-action=reboot no-quorum-policy=stop \
	placement-strategy=balanced
$PCS resource defaults update resource-stickiness=100 migration-threshold=3

# What each host offers to VMs: cpu in vCPUs, hv_memory and host_memory in MiB.
for node in node1 node2 node3; do
	$PCS node utilization "$node" cpu=4 hv_memory=4096 host_memory=4096
done

# A VM managed by vmha's agent, live-migrated by `pcs resource move vm1 NODE`.
# on-fail=block on migrate_to keeps a VM whose migration failed running on
# its source, the same QEMU. After a target lost mid-migration it shows
# FAILED (blocked) until the target is fenced, then the agent clears the
# failure and Pacemaker manages it again; after any other failed migration:
# pcs resource cleanup vm1 once you fixed the cause. See ../README.md,
# "Failed migrations".
$PCS resource create vm1 ocf:vmha:VirtualDomain \
	config=/var/lib/libvirt/shared/vm1.xml hypervisor=qemu:///system \
	migration_transport=tcp \
	meta allow-migrate=true \
	op start timeout=90s interval=0 \
	op stop timeout=90s interval=0 \
	op monitor interval=10s timeout=30s \
	op migrate_to timeout=120s interval=0 on-fail=block \
	op migrate_from timeout=60s interval=0
$PCS resource utilization vm1 cpu=1 hv_memory=128 host_memory=160
