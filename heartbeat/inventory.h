/*
 * What this host can hold and which VMs it runs, from libvirt through
 * lib/virt (a read-only connection; node info, free memory and the active
 * domains, each call bounded by a 5 s deadline), so a hung libvirtd makes a
 * collection fail (health 'degraded') instead of blocking vmhad for ever;
 * the connection is then opened afresh by the next collection.
 */
#ifndef VMHA_HEARTBEAT_INVENTORY_H
#define VMHA_HEARTBEAT_INVENTORY_H

#include <stdint.h>

#include "heartbeat/msg.h"

struct vmha_inventory;

/**
 * @param uri       libvirt URI (e.g. qemu:///system)
 * @param fake_vms  benchmarks only: report this many made-up VMs, no libvirt
 * @return the inventory, or NULL (out of memory)
 */
struct vmha_inventory *vmha_inventory_new(const char *uri, uint32_t fake_vms);

/** Free; NULL is a no-op. */
void vmha_inventory_free(struct vmha_inventory *inv);

/**
 * Fill a's capacity, VMs and health. When libvirt cannot be reached the
 * capacity comes from the kernel, the VMs are the last ones seen and health
 * is "degraded" (never an empty list that would look like "no VMs").
 *
 * @return 0, or -ENOMEM (a is left empty)
 */
int vmha_inventory_collect(struct vmha_inventory *inv, struct vmha_announce *a);

#endif /* VMHA_HEARTBEAT_INVENTORY_H */
