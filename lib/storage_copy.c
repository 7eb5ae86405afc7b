/* The disks a migration without shared storage copies (see storage_copy.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "deadline.h"
#include "log.h"
#include "sha256.h"
#include "storage_copy.h"

/* Bytes per stream read. */
#define CHUNK_BYTES (1024 * 1024)
/* How long past its own deadline a stream worker may take to stop (it
 * checks the deadline after every chunk and aborts the streams). */
#define STOP_GRACE_MS 10000
/* Most disks of one domain. */
#define MAX_DISKS 32

struct disk {
	char *path;
	char *dev;
	char *pool;   /* the target pool that covers its directory */
	char *format; /* raw, qcow2, ... */
	uint64_t capacity_bytes;
	bool created; /* created on the target by us, not removed yet */
	char src_sha[VMHA_SHA256_HEX_LEN];
	char dst_sha[VMHA_SHA256_HEX_LEN];
};

struct vmha_storage_copy {
	struct vmha_virt *src;
	struct vmha_virt *dst;
	char *target;
	struct disk disks[MAX_DISKS];
	size_t n;
	size_t shared;
	char reason[1024];
};

static int fail(struct vmha_storage_copy *sc, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(struct vmha_storage_copy *sc, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sc->reason, sizeof(sc->reason), fmt, ap);
	va_end(ap);
	return rc;
}

struct vmha_storage_copy *vmha_storage_copy_new(struct vmha_virt *src, struct vmha_virt *dst,
                                                const char *target)
{
	struct vmha_storage_copy *sc = calloc(1, sizeof(*sc));

	if (sc == NULL) {
		return NULL;
	}
	sc->src = src;
	sc->dst = dst;
	sc->target = strdup(target);
	if (sc->target == NULL) {
		free(sc);
		return NULL;
	}
	return sc;
}

static void disk_clear(struct disk *d)
{
	free(d->path);
	free(d->dev);
	free(d->pool);
	free(d->format);
	memset(d, 0, sizeof(*d));
}

void vmha_storage_copy_free(struct vmha_storage_copy *sc)
{
	size_t i;

	if (sc == NULL) {
		return;
	}
	for (i = 0; i < sc->n; i++) {
		disk_clear(&sc->disks[i]);
	}
	free(sc->target);
	free(sc);
}

/* ---- one volume's facts (source or target) ---- */

struct vol_info {
	char *path;
	bool found;
	uint64_t capacity_bytes;
	char format[32];
	bool backing;
};

static void vol_info_free(void *opaque)
{
	struct vol_info *vi = opaque;

	if (vi != NULL) {
		free(vi->path);
		free(vi);
	}
}

/* The format type and whether a backing store is named, from a volume's XML. */
static void parse_vol_xml(const char *xml, struct vol_info *vi)
{
	const char *target = strstr(xml, "<target>");
	const char *fmt = target != NULL ? strstr(target, "<format type='") : NULL;
	const char *bs = strstr(xml, "<backingStore>");
	size_t len;

	vi->format[0] = '\0';
	if (fmt != NULL) {
		fmt += strlen("<format type='");
		len = strcspn(fmt, "'");
		if (len < sizeof(vi->format)) {
			memcpy(vi->format, fmt, len);
			vi->format[len] = '\0';
		}
	}
	vi->backing = bs != NULL && strstr(bs, "<path>") != NULL;
}

static int fn_vol_info(virConnectPtr conn, virConnectPtr conn2, void *opaque)
{
	struct vol_info *vi = opaque;
	virStorageVolPtr vol = virStorageVolLookupByPath(conn, vi->path);
	virStorageVolInfo info;
	char *xml = NULL;
	int rc = 0;

	(void)conn2;
	if (vol == NULL) {
		const virError *err = virGetLastError();

		if (err != NULL && err->code == VIR_ERR_NO_STORAGE_VOL) {
			virResetLastError();
			goto out;
		}
		rc = -1;
		goto out;
	}
	vi->found = true;
	if (virStorageVolGetInfo(vol, &info) < 0 ||
	    (xml = virStorageVolGetXMLDesc(vol, 0)) == NULL) {
		rc = -1;
		goto out;
	}
	vi->capacity_bytes = info.capacity;
	parse_vol_xml(xml, vi);
out:
	free(xml);
	if (vol != NULL) {
		virStorageVolFree(vol);
	}
	return rc;
}

/* Facts of the volume at path on v: *vi (caller frees) or -errno. */
static int vol_info(struct vmha_virt *v, const char *path, uint64_t deadline_ms,
                    struct vol_info **out)
{
	struct vol_info *vi = calloc(1, sizeof(*vi));
	int rc;

	*out = NULL;
	if (vi == NULL || (vi->path = strdup(path)) == NULL) {
		vol_info_free(vi);
		return -ENOMEM;
	}
	rc = vmha_virt_run(v, NULL, fn_vol_info, vi, vol_info_free, deadline_ms);
	if (rc == -ETIMEDOUT) {
		return rc; /* vi belongs to the worker now */
	}
	if (rc < 0) {
		vol_info_free(vi);
		return rc;
	}
	*out = vi;
	return 0;
}

int vmha_storage_copy_add_disk(struct vmha_storage_copy *sc, const char *path, const char *dev,
                               uint64_t deadline_ms)
{
	enum vmha_virt_disk found = VMHA_VIRT_DISK_UNCHECKED;
	struct vol_info *src = NULL;
	struct vol_info *dst = NULL;
	struct disk *d = NULL;
	char pool[256] = "";
	int rc;

	sc->reason[0] = '\0';
	if (sc->n >= MAX_DISKS) {
		rc = fail(sc, -E2BIG, "more than %d disks", MAX_DISKS);
		goto out;
	}
	rc = vol_info(sc->src, path, deadline_ms, &src);
	if (rc == 0 && !src->found) {
		rc = fail(sc, -EINVAL,
		          "disk '%s' is in no storage pool of this host: define a pool for its "
		          "directory",
		          path);
		goto out;
	}
	if (rc < 0) {
		rc = fail(sc, rc, "cannot read the volume of disk '%s': %s", path,
		          vmha_virt_error(sc->src));
		goto out;
	}
	if (src->backing) {
		rc = fail(sc, -EINVAL,
		          "disk '%s' has a backing chain: only standalone images are copied", path);
		goto out;
	}
	rc = vmha_virt_disk_check(sc->dst, path, deadline_ms, &found, pool, sizeof(pool));
	if (rc < 0) {
		rc = fail(sc, rc, "cannot check disk '%s' on '%s': %s", path, sc->target,
		          vmha_virt_error(sc->dst));
		goto out;
	}
	if (found == VMHA_VIRT_DISK_UNCHECKED) {
		rc = fail(
		        sc, -EINVAL,
		        "no active storage pool on '%s' covers the directory of disk '%s': define "
		        "and start one there",
		        sc->target, path);
		goto out;
	}
	if (found == VMHA_VIRT_DISK_PRESENT) {
		rc = vol_info(sc->dst, path, deadline_ms, &dst);
		if (rc < 0) {
			rc = fail(sc, rc, "cannot read the volume of disk '%s' on '%s': %s", path,
			          sc->target, vmha_virt_error(sc->dst));
			goto out;
		}
		if (dst->found && dst->capacity_bytes != src->capacity_bytes) {
			rc = fail(sc, -EINVAL,
			          "disk '%s' exists on '%s' with %" PRIu64 " bytes, %" PRIu64
			          " here: a stale copy, not shared storage (remove it there)",
			          path, sc->target, dst->capacity_bytes, src->capacity_bytes);
			goto out;
		}
		vmha_info("disk '%s' is on storage '%s' shares: not copied", path, sc->target);
		sc->shared++;
		goto out;
	}
	d = &sc->disks[sc->n];
	d->path = strdup(path);
	d->dev = strdup(dev);
	d->pool = strdup(pool);
	d->format = strdup(src->format[0] != '\0' ? src->format : "raw");
	d->capacity_bytes = src->capacity_bytes;
	if (d->path == NULL || d->dev == NULL || d->pool == NULL || d->format == NULL) {
		disk_clear(d);
		rc = -ENOMEM;
		goto out;
	}
	sc->n++;
	vmha_info("disk '%s' (%s, %" PRIu64 " MiB) is not on '%s': to copy into its pool '%s'",
	          path, d->format, d->capacity_bytes >> 20, sc->target, pool);
out:
	vol_info_free(src);
	vol_info_free(dst);
	return rc;
}

size_t vmha_storage_copy_count(const struct vmha_storage_copy *sc)
{
	return sc->n;
}

size_t vmha_storage_copy_shared_count(const struct vmha_storage_copy *sc)
{
	return sc->shared;
}

const char *vmha_storage_copy_dev(const struct vmha_storage_copy *sc, size_t i)
{
	return i < sc->n ? sc->disks[i].dev : NULL;
}

const char *vmha_storage_copy_path(const struct vmha_storage_copy *sc, size_t i)
{
	return i < sc->n ? sc->disks[i].path : NULL;
}

uint64_t vmha_storage_copy_capacity_bytes(const struct vmha_storage_copy *sc, size_t i)
{
	return i < sc->n ? sc->disks[i].capacity_bytes : 0;
}

const char *vmha_storage_copy_format(const struct vmha_storage_copy *sc, size_t i)
{
	return i < sc->n ? sc->disks[i].format : NULL;
}

const char *vmha_storage_copy_pool(const struct vmha_storage_copy *sc, size_t i)
{
	return i < sc->n ? sc->disks[i].pool : NULL;
}

const char *vmha_storage_copy_source_sha256(const struct vmha_storage_copy *sc, size_t i)
{
	return i < sc->n ? sc->disks[i].src_sha : "";
}

const char *vmha_storage_copy_target_sha256(const struct vmha_storage_copy *sc, size_t i)
{
	return i < sc->n ? sc->disks[i].dst_sha : "";
}

size_t vmha_storage_copy_created_count(const struct vmha_storage_copy *sc)
{
	size_t n = 0;
	size_t i;

	for (i = 0; i < sc->n; i++) {
		n += sc->disks[i].created ? 1 : 0;
	}
	return n;
}

/* ---- target pools and volumes ---- */

struct vol_op {
	char *pool;
	char *path;
	char *xml;
	uint64_t available_bytes;
	char made_path[4096];
};

static void vol_op_free(void *opaque)
{
	struct vol_op *op = opaque;

	if (op != NULL) {
		free(op->pool);
		free(op->path);
		free(op->xml);
		free(op);
	}
}

static struct vol_op *vol_op_new(const char *pool, const char *path)
{
	struct vol_op *op = calloc(1, sizeof(*op));

	if (op == NULL || (pool != NULL && (op->pool = strdup(pool)) == NULL) ||
	    (path != NULL && (op->path = strdup(path)) == NULL)) {
		vol_op_free(op);
		return NULL;
	}
	return op;
}

static int fn_pool_room(virConnectPtr conn, virConnectPtr conn2, void *opaque)
{
	struct vol_op *op = opaque;
	virStoragePoolPtr pool = virStoragePoolLookupByName(conn, op->pool);
	virStoragePoolInfo info;
	int rc = -1;

	(void)conn2;
	if (pool != NULL && virStoragePoolRefresh(pool, 0) == 0 &&
	    virStoragePoolGetInfo(pool, &info) == 0) {
		op->available_bytes = info.available;
		rc = 0;
	}
	if (pool != NULL) {
		virStoragePoolFree(pool);
	}
	return rc;
}

static int fn_vol_create(virConnectPtr conn, virConnectPtr conn2, void *opaque)
{
	struct vol_op *op = opaque;
	virStoragePoolPtr pool = virStoragePoolLookupByName(conn, op->pool);
	virStorageVolPtr vol = NULL;
	char *path = NULL;
	int rc = -1;

	(void)conn2;
	if (pool == NULL) {
		goto out;
	}
	vol = virStorageVolCreateXML(pool, op->xml, 0);
	if (vol == NULL || (path = virStorageVolGetPath(vol)) == NULL) {
		goto out;
	}
	snprintf(op->made_path, sizeof(op->made_path), "%s", path);
	rc = 0;
out:
	free(path);
	if (vol != NULL) {
		virStorageVolFree(vol);
	}
	if (pool != NULL) {
		virStoragePoolFree(pool);
	}
	return rc;
}

static int fn_vol_delete(virConnectPtr conn, virConnectPtr conn2, void *opaque)
{
	struct vol_op *op = opaque;
	virStorageVolPtr vol = virStorageVolLookupByPath(conn, op->path);
	int rc = 0;

	(void)conn2;
	if (vol == NULL) {
		const virError *err = virGetLastError();

		if (err != NULL && err->code == VIR_ERR_NO_STORAGE_VOL) {
			virResetLastError();
			return 0; /* gone already */
		}
		return -1;
	}
	rc = virStorageVolDelete(vol, 0);
	virStorageVolFree(vol);
	return rc;
}

/* Run fn with op on v; op is freed in every case. */
static int vol_op_run(struct vmha_virt *v, vmha_virt_run_fn fn, struct vol_op *op,
                      uint64_t deadline_ms, uint64_t *available_bytes, char *made, size_t made_len)
{
	int rc;

	if (op == NULL) {
		return -ENOMEM;
	}
	rc = vmha_virt_run(v, NULL, fn, op, vol_op_free, deadline_ms);
	if (rc == -ETIMEDOUT) {
		return rc;
	}
	if (rc == 0 && available_bytes != NULL) {
		*available_bytes = op->available_bytes;
	}
	if (rc == 0 && made != NULL) {
		snprintf(made, made_len, "%s", op->made_path);
	}
	vol_op_free(op);
	return rc;
}

static int delete_vol(struct vmha_virt *v, const char *path, uint64_t deadline_ms)
{
	return vol_op_run(v, fn_vol_delete, vol_op_new(NULL, path), deadline_ms, NULL, NULL, 0);
}

/* Room in disk i's pool for every disk going there (checked once per pool). */
static int check_room(struct vmha_storage_copy *sc, size_t i, uint64_t deadline_ms)
{
	uint64_t need = 0;
	uint64_t avail = 0;
	size_t j;
	int rc;

	for (j = 0; j < i; j++) {
		if (strcmp(sc->disks[j].pool, sc->disks[i].pool) == 0) {
			return 0;
		}
	}
	for (j = i; j < sc->n; j++) {
		if (strcmp(sc->disks[j].pool, sc->disks[i].pool) == 0) {
			need += sc->disks[j].capacity_bytes;
		}
	}
	rc = vol_op_run(sc->dst, fn_pool_room, vol_op_new(sc->disks[i].pool, NULL), deadline_ms,
	                &avail, NULL, 0);
	if (rc < 0) {
		return fail(sc, rc, "cannot read storage pool '%s' on '%s': %s", sc->disks[i].pool,
		            sc->target, vmha_virt_error(sc->dst));
	}
	if (avail < need) {
		return fail(sc, -ENOSPC,
		            "storage pool '%s' on '%s' has %" PRIu64 " MiB available, the disks "
		            "need %" PRIu64 " MiB",
		            sc->disks[i].pool, sc->target, avail >> 20, need >> 20);
	}
	return 0;
}

int vmha_storage_copy_create_targets(struct vmha_storage_copy *sc, uint64_t deadline_ms)
{
	size_t i;
	int rc = 0;

	sc->reason[0] = '\0';
	for (i = 0; i < sc->n && rc == 0; i++) {
		rc = check_room(sc, i, deadline_ms);
	}
	for (i = 0; i < sc->n && rc == 0; i++) {
		struct disk *d = &sc->disks[i];
		struct vol_op *op = vol_op_new(d->pool, NULL);
		const char *base =
		        strrchr(d->path, '/') != NULL ? strrchr(d->path, '/') + 1 : d->path;
		char made[4096] = "";
		char xml[1024];

		snprintf(xml, sizeof(xml),
		         "<volume><name>%s</name><capacity unit='bytes'>%" PRIu64
		         "</capacity><target><format type='%s'/></target></volume>",
		         base, d->capacity_bytes, d->format);
		if (op != NULL && (op->xml = strdup(xml)) == NULL) {
			vol_op_free(op);
			op = NULL;
		}
		rc = vol_op_run(sc->dst, fn_vol_create, op, deadline_ms, NULL, made, sizeof(made));
		if (rc < 0) {
			rc = fail(sc, rc, "cannot create disk '%s' in pool '%s' on '%s': %s",
			          d->path, d->pool, sc->target, vmha_virt_error(sc->dst));
			break;
		}
		d->created = true;
		if (strcmp(made, d->path) != 0) {
			rc = fail(
			        sc, -EINVAL,
			        "pool '%s' on '%s' created '%s', not '%s' (its directory differs)",
			        d->pool, sc->target, made, d->path);
			delete_vol(sc->dst, made, deadline_ms);
			d->created = false;
			break;
		}
		vmha_notice("created disk '%s' (%s, %" PRIu64 " MiB) on '%s'", d->path, d->format,
		            d->capacity_bytes >> 20, sc->target);
	}
	if (rc < 0) {
		char why[sizeof(sc->reason)];

		snprintf(why, sizeof(why), "%s", sc->reason);
		vmha_storage_copy_remove_targets(sc, deadline_ms);
		snprintf(sc->reason, sizeof(sc->reason), "%s", why);
	}
	return rc;
}

int vmha_storage_copy_remove_targets(struct vmha_storage_copy *sc, uint64_t deadline_ms)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < sc->n; i++) {
		struct disk *d = &sc->disks[i];
		int r;

		if (!d->created) {
			continue;
		}
		r = delete_vol(sc->dst, d->path, deadline_ms);
		if (r < 0) {
			vmha_err("cannot remove disk '%s' on '%s': %s", d->path, sc->target,
			         vmha_virt_error(sc->dst));
			if (rc == 0) {
				rc = fail(sc, r, "cannot remove disk '%s' on '%s': %s", d->path,
				          sc->target, vmha_virt_error(sc->dst));
			}
			continue;
		}
		d->created = false;
		vmha_notice("removed disk '%s' on '%s'", d->path, sc->target);
	}
	return rc;
}

int vmha_storage_copy_remove_sources(struct vmha_storage_copy *sc, uint64_t deadline_ms)
{
	size_t i;
	int rc = 0;

	sc->reason[0] = '\0';
	for (i = 0; i < sc->n; i++) {
		int r = delete_vol(sc->src, sc->disks[i].path, deadline_ms);

		if (r < 0 && rc == 0) {
			rc = fail(sc, r, "cannot remove the source's disk '%s': %s",
			          sc->disks[i].path, vmha_virt_error(sc->src));
		}
		/* the target's copy is the one now: never remove it on a rollback */
		sc->disks[i].created = false;
	}
	return rc;
}

/* ---- cold copy through volume streams ---- */

struct xfer {
	char *path;
	uint64_t deadline_ms;
	bool upload; /* copy to conn2 (else: read conn only) */
	uint64_t bytes;
	char sha[VMHA_SHA256_HEX_LEN];
	int own_rc; /* a failure that is not libvirt's */
	char own_reason[256];
};

static void xfer_free(void *opaque)
{
	struct xfer *x = opaque;

	if (x != NULL) {
		free(x->path);
		free(x);
	}
}

static int send_all(virStreamPtr st, const char *buf, size_t len)
{
	while (len > 0) {
		int n = virStreamSend(st, buf, len);

		if (n < 0) {
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Download path from conn (hashing it) and, with upload, send it to the
 * same path on conn2. */
static int fn_xfer(virConnectPtr conn, virConnectPtr conn2, void *opaque)
{
	struct xfer *x = opaque;
	struct vmha_sha256 sha;
	virStorageVolPtr svol = virStorageVolLookupByPath(conn, x->path);
	virStorageVolPtr dvol = NULL;
	virStreamPtr in = NULL;
	virStreamPtr out = NULL;
	char *buf = malloc(CHUNK_BYTES);
	int rc = -1;

	vmha_sha256_init(&sha);
	if (buf == NULL) {
		x->own_rc = -ENOMEM;
		rc = 0;
		goto out;
	}
	if (svol == NULL || (in = virStreamNew(conn, 0)) == NULL ||
	    virStorageVolDownload(svol, in, 0, 0, 0) < 0) {
		goto out;
	}
	if (x->upload && ((dvol = virStorageVolLookupByPath(conn2, x->path)) == NULL ||
	                  (out = virStreamNew(conn2, 0)) == NULL ||
	                  virStorageVolUpload(dvol, out, 0, 0, 0) < 0)) {
		goto out;
	}
	for (;;) {
		int n = virStreamRecv(in, buf, CHUNK_BYTES);

		if (n < 0) {
			goto out;
		}
		if (n == 0) {
			break;
		}
		vmha_sha256_update(&sha, buf, (size_t)n);
		x->bytes += (uint64_t)n;
		if (out != NULL && send_all(out, buf, (size_t)n) < 0) {
			goto out;
		}
		if (vmha_deadline_expired(x->deadline_ms)) {
			x->own_rc = -ETIMEDOUT;
			snprintf(x->own_reason, sizeof(x->own_reason),
			         "the deadline passed after %" PRIu64 " MiB", x->bytes >> 20);
			rc = 0;
			goto out;
		}
	}
	if (virStreamFinish(in) < 0) {
		goto out;
	}
	virStreamFree(in);
	in = NULL;
	if (out != NULL && virStreamFinish(out) < 0) {
		goto out;
	}
	vmha_sha256_final_hex(&sha, x->sha);
	rc = 0;
out:
	if (in != NULL) {
		virStreamAbort(in);
		virStreamFree(in);
	}
	if (out != NULL) {
		if (rc < 0 || x->own_rc < 0) {
			virStreamAbort(out);
		}
		virStreamFree(out);
	}
	if (dvol != NULL) {
		virStorageVolFree(dvol);
	}
	if (svol != NULL) {
		virStorageVolFree(svol);
	}
	free(buf);
	return rc;
}

/* Stream path from `from` (to `to` when not NULL); its SHA-256 in sha. */
static int xfer_run(struct vmha_storage_copy *sc, struct vmha_virt *from, struct vmha_virt *to,
                    const char *path, uint64_t deadline_ms, char sha[VMHA_SHA256_HEX_LEN],
                    uint64_t *bytes)
{
	struct xfer *x = calloc(1, sizeof(*x));
	int rc;

	if (x == NULL || (x->path = strdup(path)) == NULL) {
		xfer_free(x);
		return -ENOMEM;
	}
	x->deadline_ms = deadline_ms;
	x->upload = to != NULL;
	/* the worker stops itself at deadline_ms; the call's own bound is
	 * later, so that a missed deadline does not leave the connections
	 * wedged for the rollback */
	rc = vmha_virt_run(from, to, fn_xfer, x, xfer_free, deadline_ms + STOP_GRACE_MS);
	if (rc == -ETIMEDOUT) {
		return fail(sc, rc, "copying disk '%s' did not finish before the deadline", path);
	}
	if (rc < 0) {
		rc = fail(sc, rc, "copying disk '%s' failed: %s", path, vmha_virt_error(from));
	} else if (x->own_rc < 0) {
		rc = fail(sc, x->own_rc, "copying disk '%s' failed: %s", path,
		          x->own_reason[0] != '\0' ? x->own_reason : strerror(-x->own_rc));
	} else {
		snprintf(sha, VMHA_SHA256_HEX_LEN, "%s", x->sha);
		*bytes = x->bytes;
	}
	xfer_free(x);
	return rc;
}

int vmha_storage_copy_transfer(struct vmha_storage_copy *sc, size_t i, uint64_t deadline_ms)
{
	struct disk *d = i < sc->n ? &sc->disks[i] : NULL;
	uint64_t sent = 0;
	uint64_t back = 0;
	uint64_t t0 = vmha_clock_now_ms();
	int rc;

	sc->reason[0] = '\0';
	if (d == NULL) {
		return fail(sc, -EINVAL, "no disk %zu to copy", i);
	}
	d->src_sha[0] = '\0';
	d->dst_sha[0] = '\0';
	rc = xfer_run(sc, sc->src, sc->dst, d->path, deadline_ms, d->src_sha, &sent);
	if (rc < 0) {
		goto out;
	}
	rc = xfer_run(sc, sc->dst, NULL, d->path, deadline_ms, d->dst_sha, &back);
	if (rc < 0) {
		goto out;
	}
	if (sent != back || strcmp(d->src_sha, d->dst_sha) != 0) {
		rc = fail(sc, -EILSEQ,
		          "the copy of disk '%s' on '%s' differs: %" PRIu64
		          " bytes sha256 %s here, %" PRIu64 " bytes sha256 %s there",
		          d->path, sc->target, sent, d->src_sha, back, d->dst_sha);
		goto out;
	}
	vmha_notice("copied disk '%s' to '%s': %" PRIu64 " MiB in %" PRIu64
	            " ms, sha256 %s on both",
	            d->path, sc->target, sent >> 20, vmha_clock_now_ms() - t0, d->src_sha);
out:
	return rc;
}

const char *vmha_storage_copy_reason(const struct vmha_storage_copy *sc)
{
	return sc->reason;
}
