/*
 * Internal to the registry (registry.c: settings and file I/O,
 * registry_xml.c: the domain XML): the VM entry. Not for other modules.
 */
#ifndef VMHA_REGISTRY_INT_H
#define VMHA_REGISTRY_INT_H

#include "registry.h"

/* Largest .xml or .ha file accepted: a domain XML is a few KiB. */
#define REGISTRY_MAX_FILE_BYTES (1024 * 1024)

struct vmha_registry_vm {
	char *name;
	char *uuid;
	char *xml;
	char *settings[VMHA_REGISTRY_N_KEYS];
};

#endif /* VMHA_REGISTRY_INT_H */
