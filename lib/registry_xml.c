/* The registry's domain XML of a VM: checked, and its name, UUID, vCPUs and memory read. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "domxml.h"
#include "registry.h"
#include "registry_int.h"
#include "util.h"
#include "vmspec.h"

static xmlNode *child_element(xmlNode *parent, const char *name)
{
	xmlNode *n;

	for (n = parent->children; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0) {
			return n;
		}
	}
	return NULL;
}

static int set_error(char **err, const char *name, const char *what)
{
	if (err != NULL && asprintf(err, "domain XML of '%s': %s", name, what) < 0) {
		*err = NULL;
	}
	return -EINVAL;
}

static int set_error2(char **err, const char *name, const char *element, const char *why)
{
	if (err != NULL && asprintf(err, "domain XML of '%s': %s: %s", name, element, why) < 0) {
		*err = NULL;
	}
	return -EINVAL;
}

/* text without leading and trailing blanks (in place) */
static char *trimmed(char *text)
{
	size_t n;

	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r') {
		text++;
	}
	n = strlen(text);
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\n' ||
	                 text[n - 1] == '\r')) {
		text[--n] = '\0';
	}
	return text;
}

int vmha_registry_vm_set_xml(struct vmha_registry_vm *vm, const char *xml, char **err)
{
	xmlDoc *doc = NULL;
	xmlNode *root;
	xmlNode *node;
	xmlChar *text = NULL;
	char *uuid = NULL;
	char *copy = NULL;
	char cpu[32];
	char memory[32];
	char why[200];
	xmlChar *unit = NULL;
	unsigned int vcpus = 0;
	uint64_t value = 0;
	int rc = 0;

	if (err != NULL) {
		*err = NULL;
	}
	/* Everything is checked before the entry changes: a bad XML leaves vm as it was. */
	if (strnlen(xml, REGISTRY_MAX_FILE_BYTES + 1) > REGISTRY_MAX_FILE_BYTES) {
		rc = set_error(err, vm->name, "larger than 1 MiB");
		goto out;
	}
	doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
	                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		rc = set_error(err, vm->name, "not well-formed XML");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || xmlStrcmp(root->name, BAD_CAST "domain") != 0) {
		rc = set_error(err, vm->name, "the root element is not <domain>");
		goto out;
	}
	node = child_element(root, "name");
	text = node != NULL ? xmlNodeGetContent(node) : NULL;
	if (text == NULL || strcmp((char *)text, vm->name) != 0) {
		rc = set_error(err, vm->name, "<name> differs from the VM's name");
		goto out;
	}
	xmlFree(text);
	node = child_element(root, "uuid");
	text = node != NULL ? xmlNodeGetContent(node) : NULL;
	if (text == NULL || strlen((char *)text) != 36) {
		rc = set_error(err, vm->name, "<uuid> is missing or malformed");
		goto out;
	}
	uuid = strdup((char *)text);
	xmlFree(text);
	/* <vcpu> and <memory> as lib/domxml reads them (libvirt's units) */
	node = child_element(root, "vcpu");
	text = node != NULL ? xmlNodeGetContent(node) : NULL;
	if (text == NULL) {
		rc = set_error(err, vm->name, "<vcpu> is missing");
		goto out;
	}
	if (vmha_domxml_parse_vcpus(trimmed((char *)text), &vcpus, why, sizeof(why)) < 0) {
		rc = set_error2(err, vm->name, "<vcpu>", why);
		goto out;
	}
	snprintf(cpu, sizeof(cpu), "%u", vcpus);
	xmlFree(text);
	node = child_element(root, "memory");
	text = node != NULL ? xmlNodeGetContent(node) : NULL;
	if (text == NULL) {
		rc = set_error(err, vm->name, "<memory> is missing");
		goto out;
	}
	unit = xmlGetProp(node, BAD_CAST "unit");
	if (vmha_domxml_parse_memory(trimmed((char *)text), (char *)unit, &value, why,
	                             sizeof(why)) < 0) {
		rc = set_error2(err, vm->name, "<memory>", why);
		goto out;
	}
	snprintf(memory, sizeof(memory), "%llu", (unsigned long long)(value / 1024));
	copy = strdup(xml);
	if (copy == NULL || uuid == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* the VM spec's limits (lib/vmspec.h) hold for values from the XML too */
	if (vm->settings[VMHA_REGISTRY_CPU] == NULL &&
	    vmha_registry_vm_set(vm, VMHA_REGISTRY_CPU, cpu) < 0) {
		snprintf(why, sizeof(why), "%s vCPUs is more than a VM may have (%d)", cpu,
		         VMHA_VM_SPEC_MAX_VCPUS);
		rc = set_error2(err, vm->name, "<vcpu>", why);
		goto out;
	}
	if (vm->settings[VMHA_REGISTRY_MEMORY] == NULL &&
	    vmha_registry_vm_set(vm, VMHA_REGISTRY_MEMORY, memory) < 0) {
		snprintf(why, sizeof(why), "%s MiB is more than a VM may have (%llu MiB)", memory,
		         (unsigned long long)VMHA_VM_SPEC_MAX_MEMORY_MIB);
		rc = set_error2(err, vm->name, "<memory>", why);
		goto out;
	}
	free(vm->xml);
	free(vm->uuid);
	vm->xml = copy;
	vm->uuid = uuid;
	copy = NULL;
	uuid = NULL;
out:
	xmlFree(unit);
	xmlFree(text);
	xmlFreeDoc(doc);
	free(uuid);
	free(copy);
	return rc;
}

const char *vmha_registry_vm_xml(const struct vmha_registry_vm *vm)
{
	return vm->xml;
}

const char *vmha_registry_vm_uuid(const struct vmha_registry_vm *vm)
{
	return vm->uuid;
}
