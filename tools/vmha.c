/* vmha: the command-line tool. Dispatches to one function per subcommand. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
        {"plan", vmha_cmd_plan, "where the VMs of failed hosts restart, and what is stranded"},
        {"admission", vmha_cmd_admission, "whether the cluster satisfies an admission policy"},
        {"status", vmha_cmd_status, "hosts, VMs and quorum as the local vmhad sees them"},
        {"vm", vmha_cmd_vm, "the standalone inventory: add, remove, list, start, stop, migrate"},
        {"host", vmha_cmd_host, "host maintenance: standby, online, evacuate"},
        {"fence", vmha_cmd_fence, "fence a node through the configured devices"},
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: vmha [--version] [--help] COMMAND [ARGS]\n\n"
	             "Keeps KVM virtual machines available across a cluster of hosts.\n\n"
	             "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	}
	fprintf(out, "\n'vmha COMMAND --help' describes a command. Every command takes --json.\n"
	             "Exit status: 0 success, 1 the answer is no, 2 bad input.\n"
	             "See vmha(8).\n");
}

int main(int argc, char **argv)
{
	size_t i;
	int rc = VMHA_EXIT_USAGE;

	vmha_log_init("vmha", VMHA_LOG_TO_STDERR);
	if (argc < 2) {
		usage(stderr);
		goto out;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		rc = VMHA_EXIT_OK;
		goto out;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("vmha %s\n", PACKAGE_VERSION);
		rc = VMHA_EXIT_OK;
		goto out;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			rc = commands[i].run(argc - 1, argv + 1);
			goto out;
		}
	}
	fprintf(stderr, "vmha: unknown command '%s' (see 'vmha --help')\n", argv[1]);
out:
	vmha_log_fini();
	return rc;
}
