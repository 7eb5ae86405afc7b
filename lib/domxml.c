/* Domain XML parsed with libxml2 (see domxml.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "domxml.h"

struct strlist {
	char **items;
	size_t count;
};

struct vmha_domxml {
	char *text;
	char *name;
	char *uuid;
	char *type;
	char *emulator;
	char *cpu_xml;
	uint64_t memory_kib;
	unsigned int vcpus;
	struct strlist disks;
	struct strlist networks;
	struct strlist bridges;
	struct strlist pools;
};

static void strlist_clear(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

/* Add s unless already present. */
static int strlist_add_unique(struct strlist *l, const char *s)
{
	char **items;
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (strcmp(l->items[i], s) == 0)
			return 0;
	}
	items = realloc(l->items, (l->count + 1) * sizeof(*items));
	if (items == NULL)
		return -ENOMEM;
	l->items = items;
	l->items[l->count] = strdup(s);
	if (l->items[l->count] == NULL)
		return -ENOMEM;
	l->count++;
	return 0;
}

void vmha_domxml_free(struct vmha_domxml *dx)
{
	if (dx == NULL)
		return;
	free(dx->text);
	free(dx->name);
	free(dx->uuid);
	free(dx->type);
	free(dx->emulator);
	free(dx->cpu_xml);
	strlist_clear(&dx->disks);
	strlist_clear(&dx->networks);
	strlist_clear(&dx->bridges);
	strlist_clear(&dx->pools);
	free(dx);
}

static void set_error(char *error, size_t error_len, const char *fmt, ...)
{
	va_list ap;

	if (error == NULL || error_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(error, error_len, fmt, ap);
	va_end(ap);
}

/* Evaluate expr; return the trimmed string value of the first node, or NULL. */
static char *xpath_string(xmlXPathContextPtr ctx, const char *expr)
{
	xmlXPathObjectPtr obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	char *value = NULL;
	xmlChar *content = NULL;
	char *start;
	char *end;

	if (obj == NULL || obj->nodesetval == NULL || obj->nodesetval->nodeNr == 0)
		goto out;
	content = xmlNodeGetContent(obj->nodesetval->nodeTab[0]);
	if (content == NULL)
		goto out;
	start = (char *)content;
	while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r')
		start++;
	end = start + strlen(start);
	while (end > start &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (end > start)
		value = strndup(start, (size_t)(end - start));
out:
	xmlFree(content);
	xmlXPathFreeObject(obj);
	return value;
}

static int xpath_collect(xmlXPathContextPtr ctx, const char *expr, struct strlist *l)
{
	xmlXPathObjectPtr obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	int rc = 0;
	int i;

	if (obj == NULL || obj->nodesetval == NULL)
		goto out;
	for (i = 0; i < obj->nodesetval->nodeNr && rc == 0; i++) {
		xmlChar *content = xmlNodeGetContent(obj->nodesetval->nodeTab[i]);

		if (content != NULL && content[0] != '\0')
			rc = strlist_add_unique(l, (const char *)content);
		xmlFree(content);
	}
out:
	xmlXPathFreeObject(obj);
	return rc;
}

static char *node_to_string(xmlDocPtr doc, xmlXPathContextPtr ctx, const char *expr)
{
	xmlXPathObjectPtr obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlBufferPtr buf = NULL;
	char *s = NULL;

	if (obj == NULL || obj->nodesetval == NULL || obj->nodesetval->nodeNr == 0)
		goto out;
	buf = xmlBufferCreate();
	if (buf == NULL)
		goto out;
	if (xmlNodeDump(buf, doc, obj->nodesetval->nodeTab[0], 0, 0) < 0)
		goto out;
	s = strdup((const char *)xmlBufferContent(buf));
out:
	xmlBufferFree(buf);
	xmlXPathFreeObject(obj);
	return s;
}

struct first_error {
	int line;
	char message[256];
};

/* Keep the first error: later ones are usually consequences of it. */
static void keep_first_error(void *opaque, const xmlError *err)
{
	struct first_error *fe = opaque;

	if (fe->message[0] != '\0' || err == NULL)
		return;
	fe->line = err->line;
	snprintf(fe->message, sizeof(fe->message), "%s",
	         err->message != NULL ? err->message : "parse error");
}

static int parse_doc(struct vmha_domxml *dx, const char *where, char *error, size_t error_len)
{
	xmlDocPtr doc = NULL;
	xmlXPathContextPtr ctx = NULL;
	xmlNodePtr root;
	char *s = NULL;
	int rc = 0;

	struct first_error fe = {0, ""};

	xmlSetStructuredErrorFunc(&fe, (xmlStructuredErrorFunc)keep_first_error);
	doc = xmlReadMemory(dx->text, (int)strlen(dx->text), where, NULL,
	                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc == NULL) {
		set_error(error, error_len, "'%s' line %d: not well-formed XML: %s", where, fe.line,
		          fe.message[0] != '\0' ? fe.message : "parse error");
		/* libxml2 messages end in a newline */
		if (error != NULL) {
			size_t n = strlen(error);

			while (n > 0 && (error[n - 1] == '\n' || error[n - 1] == ' '))
				error[--n] = '\0';
		}
		rc = -EINVAL;
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || xmlStrcmp(root->name, (const xmlChar *)"domain") != 0) {
		set_error(error, error_len, "'%s': the root element is not <domain>", where);
		rc = -EINVAL;
		goto out;
	}
	ctx = xmlXPathNewContext(doc);
	if (ctx == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	dx->name = xpath_string(ctx, "/domain/name");
	if (dx->name == NULL) {
		set_error(error, error_len, "'%s' line %d: <domain> has no <name>", where,
		          (int)xmlGetLineNo(root));
		rc = -EINVAL;
		goto out;
	}
	dx->uuid = xpath_string(ctx, "/domain/uuid");
	dx->type = xpath_string(ctx, "/domain/@type");
	dx->emulator = xpath_string(ctx, "/domain/devices/emulator");
	s = xpath_string(ctx, "/domain/memory");
	if (s != NULL) {
		char *unit = xpath_string(ctx, "/domain/memory/@unit");
		unsigned long long v = strtoull(s, NULL, 10);

		if (unit == NULL || strcasecmp(unit, "KiB") == 0 || strcasecmp(unit, "k") == 0)
			dx->memory_kib = v;
		else if (strcasecmp(unit, "MiB") == 0 || strcasecmp(unit, "M") == 0)
			dx->memory_kib = v * 1024;
		else if (strcasecmp(unit, "GiB") == 0 || strcasecmp(unit, "G") == 0)
			dx->memory_kib = v * 1024 * 1024;
		else if (strcasecmp(unit, "b") == 0 || strcasecmp(unit, "bytes") == 0)
			dx->memory_kib = v / 1024;
		else if (strcasecmp(unit, "KB") == 0)
			dx->memory_kib = v * 1000 / 1024;
		else if (strcasecmp(unit, "MB") == 0)
			dx->memory_kib = v * 1000 * 1000 / 1024;
		else if (strcasecmp(unit, "GB") == 0)
			dx->memory_kib = v * 1000 * 1000 * 1000 / 1024;
		else
			dx->memory_kib = v;
		free(unit);
		free(s);
		s = NULL;
	}
	s = xpath_string(ctx, "/domain/vcpu");
	dx->vcpus = s != NULL ? (unsigned int)strtoul(s, NULL, 10) : 1;
	if (dx->vcpus == 0)
		dx->vcpus = 1;
	dx->cpu_xml = node_to_string(doc, ctx, "/domain/cpu");
	rc = xpath_collect(ctx, "/domain/devices/disk/source/@file", &dx->disks);
	if (rc == 0)
		rc = xpath_collect(ctx, "/domain/devices/disk/source/@dev", &dx->disks);
	if (rc == 0)
		rc = xpath_collect(ctx, "/domain/devices/disk/source/@pool", &dx->pools);
	if (rc == 0)
		rc = xpath_collect(ctx, "/domain/devices/interface/source/@network", &dx->networks);
	if (rc == 0)
		rc = xpath_collect(ctx, "/domain/devices/interface/source/@bridge", &dx->bridges);
out:
	free(s);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return rc;
}

int vmha_domxml_parse_string(const char *xml, struct vmha_domxml **out, char *error,
                             size_t error_len)
{
	struct vmha_domxml *dx = calloc(1, sizeof(*dx));
	int rc = 0;

	*out = NULL;
	if (dx == NULL || (dx->text = strdup(xml)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = parse_doc(dx, "(string)", error, error_len);
	if (rc < 0)
		goto out;
	*out = dx;
	dx = NULL;
out:
	vmha_domxml_free(dx);
	return rc;
}

int vmha_domxml_parse_file(const char *path, struct vmha_domxml **out, char *error,
                           size_t error_len)
{
	struct vmha_domxml *dx = NULL;
	FILE *f = NULL;
	char *text = NULL;
	size_t len = 0;
	size_t cap = 0;
	int rc = 0;

	*out = NULL;
	f = fopen(path, "re");
	if (f == NULL) {
		rc = -errno;
		set_error(error, error_len, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *bigger = realloc(text, cap + 65536);

			if (bigger == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			text = bigger;
			cap += 65536;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
		if (len > 16 * 1024 * 1024) {
			rc = -EFBIG;
			set_error(error, error_len, "'%s' is larger than 16 MiB", path);
			goto out;
		}
	}
	if (ferror(f)) {
		rc = -EIO;
		set_error(error, error_len, "cannot read '%s'", path);
		goto out;
	}
	text[len] = '\0';
	dx = calloc(1, sizeof(*dx));
	if (dx == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	dx->text = text;
	text = NULL;
	rc = parse_doc(dx, path, error, error_len);
	if (rc < 0)
		goto out;
	*out = dx;
	dx = NULL;
out:
	if (f != NULL)
		fclose(f);
	free(text);
	vmha_domxml_free(dx);
	return rc;
}

const char *vmha_domxml_name(const struct vmha_domxml *dx)
{
	return dx->name;
}

const char *vmha_domxml_uuid(const struct vmha_domxml *dx)
{
	return dx->uuid;
}

const char *vmha_domxml_type(const struct vmha_domxml *dx)
{
	return dx->type;
}

const char *vmha_domxml_emulator(const struct vmha_domxml *dx)
{
	return dx->emulator;
}

uint64_t vmha_domxml_memory_kib(const struct vmha_domxml *dx)
{
	return dx->memory_kib;
}

unsigned int vmha_domxml_vcpus(const struct vmha_domxml *dx)
{
	return dx->vcpus;
}

const char *vmha_domxml_cpu_xml(const struct vmha_domxml *dx)
{
	return dx->cpu_xml;
}

size_t vmha_domxml_disk_count(const struct vmha_domxml *dx)
{
	return dx->disks.count;
}

const char *vmha_domxml_disk(const struct vmha_domxml *dx, size_t i)
{
	return i < dx->disks.count ? dx->disks.items[i] : NULL;
}

size_t vmha_domxml_network_count(const struct vmha_domxml *dx)
{
	return dx->networks.count;
}

const char *vmha_domxml_network(const struct vmha_domxml *dx, size_t i)
{
	return i < dx->networks.count ? dx->networks.items[i] : NULL;
}

size_t vmha_domxml_bridge_count(const struct vmha_domxml *dx)
{
	return dx->bridges.count;
}

const char *vmha_domxml_bridge(const struct vmha_domxml *dx, size_t i)
{
	return i < dx->bridges.count ? dx->bridges.items[i] : NULL;
}

size_t vmha_domxml_pool_count(const struct vmha_domxml *dx)
{
	return dx->pools.count;
}

const char *vmha_domxml_pool(const struct vmha_domxml *dx, size_t i)
{
	return i < dx->pools.count ? dx->pools.items[i] : NULL;
}

const char *vmha_domxml_text(const struct vmha_domxml *dx)
{
	return dx->text;
}
