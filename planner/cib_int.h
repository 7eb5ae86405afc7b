/*
 * Internal to the CIB reader (cib.c: the XML into the model; cib_read.c:
 * reading a file or the live CIB). Not for other modules.
 */
#ifndef VMHA_PLANNER_CIB_INT_H
#define VMHA_PLANNER_CIB_INT_H

/* The largest CIB read or parsed, in bytes. */
#define MAX_CIB_BYTES (256u << 20)

#endif
