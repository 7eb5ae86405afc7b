/* The agent's OCF 1.1 meta-data and its usage line. */
#ifndef VMHA_AGENT_METADATA_H
#define VMHA_AGENT_METADATA_H

/** Print the OCF 1.1 meta-data on stdout. @return 0 or -EIO */
int vmha_metadata_print(void);

/** Print the usage line on stdout. */
void vmha_metadata_usage(const char *argv0);

#endif /* VMHA_AGENT_METADATA_H */
