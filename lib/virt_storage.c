/* Storage pools and disks through the libvirt boundary (see virt_storage.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "virt.h"
#include "virt_call.h"

static int fn_pool(struct vmha_virt_call *c)
{
	virStoragePoolPtr pool = virStoragePoolLookupByName(c->conn, c->s1);
	int active;
	int rc = 0;

	if (pool == NULL) {
		return -1;
	}
	active = virStoragePoolIsActive(pool);
	if (active < 0) {
		rc = -1;
	} else if (active == 0) {
		rc = virStoragePoolCreate(pool, 0);
	} else {
		rc = virStoragePoolRefresh(pool, 0);
	}
	virStoragePoolFree(pool);
	return rc;
}

int vmha_virt_pool_ensure_active(struct vmha_virt *v, const char *name, uint64_t deadline_ms)
{
	struct vmha_virt_call *c = vmha_virt_call_on_conn(v, fn_pool);
	int rc = 0;

	if (c == NULL || (c->s1 = strdup(name)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = vmha_virt_call_run(v, c, deadline_ms);
out:
	vmha_virt_call_unref(c);
	return rc;
}

/* s1: the disk's path, s2: its directory; out_i1: enum vmha_virt_disk,
 * out_str: the covering pool's name */
/* The pool whose target path is dir, for drivers without
 * virStoragePoolLookupByTargetPath (libvirt's canonical pool XML). */
static virStoragePoolPtr pool_by_listing(virConnectPtr conn, const char *dir)
{
	virStoragePoolPtr *pools = NULL;
	virStoragePoolPtr found = NULL;
	int n = virConnectListAllStoragePools(conn, &pools, 0);
	int i;

	for (i = 0; i < n; i++) {
		char *xml = found == NULL ? virStoragePoolGetXMLDesc(pools[i], 0) : NULL;
		const char *t = xml != NULL ? strstr(xml, "<target>") : NULL;
		const char *p = t != NULL ? strstr(t, "<path>") : NULL;
		size_t len = strlen(dir);

		if (p != NULL && strncmp(p + 6, dir, len) == 0 &&
		    strncmp(p + 6 + len, "</path>", 7) == 0) {
			found = pools[i];
			pools[i] = NULL;
		}
		free(xml);
		if (pools[i] != NULL) {
			virStoragePoolFree(pools[i]);
		}
	}
	free(pools);
	return found;
}

static int fn_disk(struct vmha_virt_call *c)
{
	virStoragePoolPtr pool = virStoragePoolLookupByTargetPath(c->conn, c->s2);
	virStorageVolPtr vol = NULL;
	const virError *err = NULL;
	int active = 0;
	int rc = 0;

	if (pool == NULL) {
		err = virGetLastError();
		if (err != NULL && err->code == VIR_ERR_NO_SUPPORT) {
			virResetLastError();
			pool = pool_by_listing(c->conn, c->s2);
			err = virGetLastError();
		}
	}
	if (pool == NULL) {
		if (err != NULL && err->code != VIR_ERR_NO_STORAGE_POOL) {
			rc = -1;
			goto out;
		}
		virResetLastError();
	} else {
		c->out_str = strdup(
		        virStoragePoolGetName(pool) != NULL ? virStoragePoolGetName(pool) : "");
		active = virStoragePoolIsActive(pool);
		if (active < 0) {
			rc = -1;
			goto out;
		}
		/* the pool's volume list is a cache: rescan the directory */
		if (active == 1 && virStoragePoolRefresh(pool, 0) < 0) {
			rc = -1;
			goto out;
		}
	}
	vol = virStorageVolLookupByPath(c->conn, c->s1);
	if (vol != NULL) {
		c->out_i1 = VMHA_VIRT_DISK_PRESENT;
		goto out;
	}
	err = virGetLastError();
	if (err != NULL && err->code != VIR_ERR_NO_STORAGE_VOL) {
		rc = -1;
		goto out;
	}
	virResetLastError();
	c->out_i1 = active == 1 ? VMHA_VIRT_DISK_MISSING : VMHA_VIRT_DISK_UNCHECKED;
out:
	if (vol != NULL) {
		virStorageVolFree(vol);
	}
	if (pool != NULL) {
		virStoragePoolFree(pool);
	}
	return rc;
}

int vmha_virt_disk_check(struct vmha_virt *v, const char *path, uint64_t deadline_ms,
                         enum vmha_virt_disk *out, char *pool, size_t pool_len)
{
	struct vmha_virt_call *c = vmha_virt_call_on_conn(v, fn_disk);
	char *slash = NULL;
	int rc = 0;

	if (pool != NULL && pool_len > 0) {
		pool[0] = '\0';
	}
	if (c == NULL || (c->s1 = strdup(path)) == NULL || (c->s2 = strdup(path)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	slash = strrchr(c->s2, '/');
	if (path[0] != '/' || slash == NULL) {
		snprintf(v->error, sizeof(v->error), "disk path '%s' is not absolute", path);
		rc = -EINVAL;
		goto out;
	}
	slash[slash == c->s2 ? 1 : 0] = '\0';
	rc = vmha_virt_call_run(v, c, deadline_ms);
	if (rc == 0) {
		*out = (enum vmha_virt_disk)c->out_i1;
		if (pool != NULL && pool_len > 0 && c->out_str != NULL) {
			snprintf(pool, pool_len, "%s", c->out_str);
		}
	}
out:
	vmha_virt_call_unref(c);
	return rc;
}
