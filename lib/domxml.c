/* Domain XML parsed with libxml2 (see domxml.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	struct strlist file_disks;
	struct strlist file_disk_devs;
	struct strlist networks;
	struct strlist bridges;
	struct strlist pools;
};

static void strlist_clear(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		free(l->items[i]);
	}
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
		if (strcmp(l->items[i], s) == 0) {
			return 0;
		}
	}
	items = realloc(l->items, (l->count + 1) * sizeof(*items));
	if (items == NULL) {
		return -ENOMEM;
	}
	l->items = items;
	l->items[l->count] = strdup(s);
	if (l->items[l->count] == NULL) {
		return -ENOMEM;
	}
	l->count++;
	return 0;
}

void vmha_domxml_free(struct vmha_domxml *dx)
{
	if (dx == NULL) {
		return;
	}
	free(dx->text);
	free(dx->name);
	free(dx->uuid);
	free(dx->type);
	free(dx->emulator);
	free(dx->cpu_xml);
	strlist_clear(&dx->disks);
	strlist_clear(&dx->file_disks);
	strlist_clear(&dx->file_disk_devs);
	strlist_clear(&dx->networks);
	strlist_clear(&dx->bridges);
	strlist_clear(&dx->pools);
	free(dx);
}

static void set_error(char *error, size_t error_len, const char *fmt, ...)
{
	va_list ap;

	if (error == NULL || error_len == 0) {
		return;
	}
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

	if (obj == NULL || obj->nodesetval == NULL || obj->nodesetval->nodeNr == 0) {
		goto out;
	}
	content = xmlNodeGetContent(obj->nodesetval->nodeTab[0]);
	if (content == NULL) {
		goto out;
	}
	start = (char *)content;
	while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r') {
		start++;
	}
	end = start + strlen(start);
	while (end > start &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) {
		end--;
	}
	if (end > start) {
		value = strndup(start, (size_t)(end - start));
	}
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

	if (obj == NULL || obj->nodesetval == NULL) {
		goto out;
	}
	for (i = 0; i < obj->nodesetval->nodeNr && rc == 0; i++) {
		xmlChar *content = xmlNodeGetContent(obj->nodesetval->nodeTab[i]);

		if (content != NULL && content[0] != '\0') {
			rc = strlist_add_unique(l, (const char *)content);
		}
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

	if (obj == NULL || obj->nodesetval == NULL || obj->nodesetval->nodeNr == 0) {
		goto out;
	}
	buf = xmlBufferCreate();
	if (buf == NULL) {
		goto out;
	}
	if (xmlNodeDump(buf, doc, obj->nodesetval->nodeTab[0], 0, 0) < 0) {
		goto out;
	}
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
/* Line of the first node expr selects, or 0. */
static int xpath_line(xmlXPathContextPtr ctx, const char *expr)
{
	xmlXPathObjectPtr obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	int line = 0;

	if (obj != NULL && obj->nodesetval != NULL && obj->nodesetval->nodeNr > 0) {
		line = (int)xmlGetLineNo(obj->nodesetval->nodeTab[0]);
	}
	xmlXPathFreeObject(obj);
	return line;
}

/* Largest memory libvirt accepts, in bytes (its limit on 64-bit hosts). */
#define MEMORY_MAX_BYTES ((uint64_t)INT64_MAX)

/* The factor of a libvirt unit suffix (virsh and the domain XML): empty or
 * absent is the default (KiB for memory); "b", "byte", "bytes" are bytes;
 * a letter k, m, g, t, p or e alone or followed by "iB" is a power of
 * 1024, followed by "B" a power of 1000. Case does not matter. */
static int unit_factor(const char *unit, uint64_t default_factor, uint64_t *factor)
{
	static const char letters[] = "kmgtpe";
	const char *at;
	uint64_t base;
	uint64_t f = 1;
	int i;

	if (unit == NULL || unit[0] == '\0') {
		*factor = default_factor;
		return 0;
	}
	if (strcasecmp(unit, "b") == 0 || strcasecmp(unit, "byte") == 0 ||
	    strcasecmp(unit, "bytes") == 0) {
		*factor = 1;
		return 0;
	}
	if (unit[1] == '\0' || strcasecmp(unit + 1, "iB") == 0) {
		base = 1024;
	} else if (strcasecmp(unit + 1, "B") == 0) {
		base = 1000;
	} else {
		return -EINVAL;
	}
	at = strchr(letters, tolower((unsigned char)unit[0]));
	if (unit[0] == '\0' || at == NULL) {
		return -EINVAL;
	}
	for (i = 0; i <= at - letters; i++) {
		f *= base;
	}
	*factor = f;
	return 0;
}

/* Digits only (no sign, no blanks), with an overflow check. */
static int parse_count(const char *text, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = text;

	if (*p == '\0') {
		return -EINVAL;
	}
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			return -EINVAL;
		}
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) {
			return -ERANGE;
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

int vmha_domxml_parse_memory(const char *value, const char *unit, uint64_t *kib, char *why,
                             size_t why_len)
{
	uint64_t factor = 0;
	uint64_t v = 0;
	uint64_t bytes;
	int rc;

	rc = parse_count(value, &v);
	if (rc == -EINVAL) {
		set_error(why, why_len, "value '%s' is not a non-negative integer", value);
		goto out;
	}
	if (unit_factor(unit, 1024, &factor) < 0) {
		set_error(why, why_len, "unknown unit '%s'", unit);
		rc = -EINVAL;
		goto out;
	}
	/* libvirt's two checks: the bytes, then the KiB rounded up */
	if (rc == -ERANGE || v > MEMORY_MAX_BYTES / factor ||
	    v * factor > MEMORY_MAX_BYTES - 1023) {
		set_error(why, why_len, "value '%s' unit '%s' is too large (more than %llu bytes)",
		          value, unit != NULL ? unit : "KiB", (unsigned long long)MEMORY_MAX_BYTES);
		rc = -ERANGE;
		goto out;
	}
	bytes = v * factor;
	/* libvirt keeps memory in KiB, rounded up */
	*kib = bytes / 1024 + (bytes % 1024 != 0 ? 1 : 0);
	rc = 0;
out:
	return rc;
}

int vmha_domxml_parse_vcpus(const char *text, unsigned int *vcpus, char *why, size_t why_len)
{
	uint64_t v = 0;
	int rc;

	rc = parse_count(text, &v);
	if (rc < 0 || v == 0 || v > UINT32_MAX) {
		set_error(why, why_len, "'%s' is not a positive 32-bit integer", text);
		rc = rc == -ERANGE || v > UINT32_MAX ? -ERANGE : -EINVAL;
		goto out;
	}
	*vcpus = (unsigned int)v;
out:
	return rc;
}

static void keep_first_error(void *opaque, const xmlError *err)
{
	struct first_error *fe = opaque;

	if (fe->message[0] != '\0' || err == NULL) {
		return;
	}
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

			while (n > 0 && (error[n - 1] == '\n' || error[n - 1] == ' ')) {
				error[--n] = '\0';
			}
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
		char why[200];

		rc = vmha_domxml_parse_memory(s, unit, &dx->memory_kib, why, sizeof(why));
		free(unit);
		if (rc < 0) {
			set_error(error, error_len, "'%s' line %d: <memory>: %s", where,
			          xpath_line(ctx, "/domain/memory"), why);
			goto out;
		}
		free(s);
		s = NULL;
	}
	s = xpath_string(ctx, "/domain/vcpu");
	dx->vcpus = 1;
	if (s != NULL) {
		char why[200];

		rc = vmha_domxml_parse_vcpus(s, &dx->vcpus, why, sizeof(why));
		if (rc < 0) {
			set_error(error, error_len, "'%s' line %d: <vcpu>: %s", where,
			          xpath_line(ctx, "/domain/vcpu"), why);
			goto out;
		}
	}
	dx->cpu_xml = node_to_string(doc, ctx, "/domain/cpu");
	rc = xpath_collect(ctx, "/domain/devices/disk/source/@file", &dx->disks);
	if (rc == 0) {
		rc = xpath_collect(ctx, "/domain/devices/disk/source/@dev", &dx->disks);
	}
	/* writable file disks with a target: the ones a storage copy moves
	 * (both lists in document order, so item i of one matches item i of
	 * the other) */
	if (rc == 0) {
		rc = xpath_collect(ctx,
		                   "/domain/devices/disk[@device='disk' and target/@dev != '' and "
		                   "not(readonly) and not(shareable)]/source/@file",
		                   &dx->file_disks);
	}
	if (rc == 0) {
		rc = xpath_collect(ctx,
		                   "/domain/devices/disk[@device='disk' and source/@file != '' and "
		                   "not(readonly) and not(shareable)]/target/@dev",
		                   &dx->file_disk_devs);
	}
	if (rc == 0) {
		rc = xpath_collect(ctx, "/domain/devices/disk/source/@pool", &dx->pools);
	}
	if (rc == 0) {
		rc = xpath_collect(ctx, "/domain/devices/interface/source/@network", &dx->networks);
	}
	if (rc == 0) {
		rc = xpath_collect(ctx, "/domain/devices/interface/source/@bridge", &dx->bridges);
	}
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
	if (rc < 0) {
		goto out;
	}
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
		if (n == 0) {
			break;
		}
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
	if (rc < 0) {
		goto out;
	}
	*out = dx;
	dx = NULL;
out:
	if (f != NULL) {
		fclose(f);
	}
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

size_t vmha_domxml_file_disk_count(const struct vmha_domxml *dx)
{
	return dx->file_disks.count < dx->file_disk_devs.count ? dx->file_disks.count
	                                                       : dx->file_disk_devs.count;
}

const char *vmha_domxml_file_disk(const struct vmha_domxml *dx, size_t i)
{
	return i < vmha_domxml_file_disk_count(dx) ? dx->file_disks.items[i] : NULL;
}

const char *vmha_domxml_file_disk_dev(const struct vmha_domxml *dx, size_t i)
{
	return i < vmha_domxml_file_disk_count(dx) ? dx->file_disk_devs.items[i] : NULL;
}
