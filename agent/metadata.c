/* The agent's OCF meta-data and usage (see metadata.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metadata.h"
#include "params.h"

static void xml_escaped(const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", stdout);
			break;
		case '>':
			fputs("&gt;", stdout);
			break;
		case '&':
			fputs("&amp;", stdout);
			break;
		case '"':
			fputs("&quot;", stdout);
			break;
		default:
			putchar(*s);
		}
	}
}

int vmha_metadata_print(void)
{
	static const char *const types[] = {"string", "boolean", "integer"};
	size_t i;

	/* OCF 1.1, as Pacemaker's own agents (ocf:pacemaker:Dummy): a
	 * reload-agent action and parameters marked reloadable, so that
	 * Pacemaker (2.1 and later) reloads when only reloadable parameters
	 * changed and restarts for any other change, recording no failure.
	 * resource-agents' ra-api-1.dtd (which ocf-tester validates against)
	 * knows neither; the internal subset declares both, and the document
	 * stays valid against that DTD. The legacy "reload" stays for Pacemaker
	 * before 2.1, which ignores reloadable: there reload refuses a change
	 * that only a restart applies (vmha_record_check_unchanged()). */
	printf("<?xml version=\"1.0\"?>\n"
	       "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\" [\n"
	       "<!ATTLIST parameter reloadable (1|0) \"0\">\n"
	       "<!ATTLIST action name (start|stop|recover|monitor|restart|migrate_to|"
	       "migrate_from|promote|demote|notify|status|reload|reload-agent|meta-data|usage|"
	       "methods|validate-all) #REQUIRED>\n"
	       "]>\n"
	       "<resource-agent name=\"VirtualDomain\" version=\"%s\">\n"
	       "<version>1.1</version>\n"
	       "<longdesc lang=\"en\">\n"
	       "Manages a libvirt virtual domain (guest): start, bounded stop, monitor by "
	       "libvirt state and reason, and live migration. A drop-in replacement for "
	       "ocf:heartbeat:VirtualDomain written in C (vmha): every parameter of that agent "
	       "is accepted with the same meaning. A change of parameters marked reloadable is "
	       "applied by reload-agent without restarting the guest; any other change makes "
	       "Pacemaker restart the guest.\n"
	       "</longdesc>\n"
	       "<shortdesc lang=\"en\">Manages libvirt virtual domains</shortdesc>\n"
	       "<parameters>\n",
	       PACKAGE_VERSION);
	for (i = 0; i < vmha_params_count(); i++) {
		const struct vmha_param_info *pi = vmha_params_info(i);

		printf("<parameter name=\"%s\" unique=\"%d\" required=\"%d\" "
		       "reloadable=\"%d\">\n",
		       pi->name, pi->unique ? 1 : 0, pi->required ? 1 : 0, pi->reloadable ? 1 : 0);
		fputs("<longdesc lang=\"en\">", stdout);
		xml_escaped(pi->longdesc);
		if (!pi->reloadable) {
			fputs(" A change applies only with a restart of the guest.", stdout);
		}
		fputs("</longdesc>\n<shortdesc lang=\"en\">", stdout);
		xml_escaped(pi->shortdesc);
		printf("</shortdesc>\n<content type=\"%s\"", types[pi->type]);
		if (pi->default_value != NULL) {
			fputs(" default=\"", stdout);
			xml_escaped(pi->default_value);
			putchar('"');
		}
		fputs("/>\n</parameter>\n", stdout);
	}
	fputs("</parameters>\n"
	      "<actions>\n"
	      "<action name=\"start\" timeout=\"90s\"/>\n"
	      "<action name=\"stop\" timeout=\"90s\"/>\n"
	      "<action name=\"status\" depth=\"0\" timeout=\"30s\" interval=\"10s\"/>\n"
	      "<action name=\"monitor\" depth=\"0\" timeout=\"30s\" interval=\"10s\"/>\n"
	      "<action name=\"migrate_from\" timeout=\"60s\"/>\n"
	      "<action name=\"migrate_to\" timeout=\"120s\"/>\n"
	      "<action name=\"meta-data\" timeout=\"5s\"/>\n"
	      "<action name=\"validate-all\" timeout=\"5s\"/>\n"
	      "<action name=\"reload\" timeout=\"5s\"/>\n"
	      "<action name=\"reload-agent\" timeout=\"5s\"/>\n"
	      "</actions>\n"
	      "</resource-agent>\n",
	      stdout);
	return fflush(stdout) == 0 ? 0 : -EIO;
}

void vmha_metadata_usage(const char *argv0)
{
	printf("usage: %s {start|stop|status|monitor|migrate_to|migrate_from|meta-data|"
	       "validate-all|reload|reload-agent|usage}\n",
	       argv0);
}
