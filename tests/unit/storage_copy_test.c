/*
 * Unit tests of lib/storage_copy.c and lib/sha256.c. libvirt's test driver:
 * test:///default is the source (pool "default-pool" at /default-pool, a
 * volume created per case), a test driver node written from a template per
 * case is the target (a pool at the same directory, or none). The test
 * driver has no volume streams: a transfer must fail with its reason.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "deadline.h"
#include "sha256.h"
#include "storage_copy.h"
#include "virt.h"
#include "virt_fixture.h"

#define TIMEOUT_MS VIRT_FIXTURE_TIMEOUT_MS
#define MIB        (1024ULL * 1024ULL)

/* ---- SHA-256: FIPS 180-4 examples and a million 'a' ---- */

struct sha_case {
	const char *input;
	size_t repeat;
	const char *digest;
};

static const struct sha_case sha_cases[] = {
        {"", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
        {"0123456701234567012345670123456701234567012345670123456701234567", 10,
         "594847328451bdfa85056225462cc1d867d877fb388df0ce35f25ab5562bfbb5"},
};

static void test_sha256_cases(void **state)
{
	size_t i;
	size_t r;

	(void)state;
	for (i = 0; i < sizeof(sha_cases) / sizeof(sha_cases[0]); i++) {
		struct vmha_sha256 s;
		char hex[VMHA_SHA256_HEX_LEN];

		vmha_sha256_init(&s);
		for (r = 0; r < sha_cases[i].repeat; r++) {
			vmha_sha256_update(&s, sha_cases[i].input, strlen(sha_cases[i].input));
		}
		vmha_sha256_final_hex(&s, hex);
		if (strcmp(hex, sha_cases[i].digest) != 0) {
			fail_msg("case %zu: got %s, want %s", i, hex, sha_cases[i].digest);
		}
	}
}

/* The same digest whatever the chunking. */
static void test_sha256_chunks(void **state)
{
	static char data[1000];
	char whole[VMHA_SHA256_HEX_LEN];
	size_t chunk;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++) {
		data[i] = (char)(i * 7 + 3);
	}
	{
		struct vmha_sha256 s;

		vmha_sha256_init(&s);
		vmha_sha256_update(&s, data, sizeof(data));
		vmha_sha256_final_hex(&s, whole);
	}
	for (chunk = 1; chunk < 130; chunk += 7) {
		struct vmha_sha256 s;
		char hex[VMHA_SHA256_HEX_LEN];
		size_t off;

		vmha_sha256_init(&s);
		for (off = 0; off < sizeof(data); off += chunk) {
			vmha_sha256_update(&s, data + off,
			                   sizeof(data) - off < chunk ? sizeof(data) - off : chunk);
		}
		vmha_sha256_final_hex(&s, hex);
		assert_string_equal(hex, whole);
	}
}

/* ---- storage copy on the test driver ---- */

/* A target pool "images" at /default-pool (the test driver's pools hold
 * 100 GiB) with the volumes of body. */
static char *target_with_pool(const char *volumes)
{
	char body[2048];

	snprintf(body, sizeof(body),
	         "  <pool type='dir'><name>images</name><uuid>35bb2ad9-388a-cdfe-461a-b8907f6e5301"
	         "</uuid><target><path>/default-pool</path></target>%s</pool>\n",
	         volumes);
	return virt_fixture_node_uri(body);
}

struct fixture {
	virConnectPtr raw; /* the test's own handle on the source */
	struct vmha_virt *src;
	struct vmha_virt *dst;
	char *dst_uri;
	struct vmha_storage_copy *sc;
};

/* A source volume NAME of mib MiB and format in default-pool. */
static void source_volume(struct fixture *f, const char *name, unsigned int mib, const char *format)
{
	virStoragePoolPtr pool = virStoragePoolLookupByName(f->raw, "default-pool");
	virStorageVolPtr vol;
	char xml[512];

	assert_non_null(pool);
	snprintf(xml, sizeof(xml),
	         "<volume><name>%s</name><capacity unit='MiB'>%u</capacity><target><format "
	         "type='%s'/></target></volume>",
	         name, mib, format);
	vol = virStorageVolCreateXML(pool, xml, 0);
	assert_non_null(vol);
	virStorageVolFree(vol);
	virStoragePoolFree(pool);
}

static void source_volume_delete(struct fixture *f, const char *path)
{
	virStorageVolPtr vol = virStorageVolLookupByPath(f->raw, path);

	if (vol != NULL) {
		virStorageVolDelete(vol, 0);
		virStorageVolFree(vol);
	}
}

static void fixture_open(struct fixture *f, char *dst_uri)
{
	memset(f, 0, sizeof(*f));
	f->raw = virConnectOpen("test:///default");
	assert_non_null(f->raw);
	assert_int_equal(
	        vmha_virt_open("test:///default", 0, vmha_deadline_in_ms(TIMEOUT_MS), &f->src), 0);
	f->dst_uri = dst_uri;
	assert_int_equal(vmha_virt_open(dst_uri, 0, vmha_deadline_in_ms(TIMEOUT_MS), &f->dst), 0);
	f->sc = vmha_storage_copy_new(f->src, f->dst, "node2");
	assert_non_null(f->sc);
}

static void fixture_close(struct fixture *f)
{
	vmha_storage_copy_free(f->sc);
	vmha_virt_free(f->dst);
	vmha_virt_free(f->src);
	virt_fixture_node_done(f->dst_uri);
	virConnectClose(f->raw);
}

/* A disk absent on the target: created there with the same size and
 * format, removed again on a rollback. */
static void test_create_and_remove(void **state)
{
	struct fixture f;
	enum vmha_virt_disk found = VMHA_VIRT_DISK_UNCHECKED;
	uint64_t d = vmha_deadline_in_ms(TIMEOUT_MS);

	(void)state;
	fixture_open(&f, target_with_pool(""));
	source_volume(&f, "a.img", 256, "qcow2");
	assert_int_equal(vmha_storage_copy_add_disk(f.sc, "/default-pool/a.img", "vda", d), 0);
	assert_int_equal(vmha_storage_copy_count(f.sc), 1);
	assert_int_equal(vmha_storage_copy_shared_count(f.sc), 0);
	assert_string_equal(vmha_storage_copy_dev(f.sc, 0), "vda");
	assert_string_equal(vmha_storage_copy_path(f.sc, 0), "/default-pool/a.img");
	assert_string_equal(vmha_storage_copy_pool(f.sc, 0), "images");
	assert_string_equal(vmha_storage_copy_format(f.sc, 0), "qcow2");
	assert_int_equal(vmha_storage_copy_capacity_bytes(f.sc, 0), 256 * MIB);
	assert_null(vmha_storage_copy_dev(f.sc, 1));

	assert_int_equal(vmha_storage_copy_create_targets(f.sc, d), 0);
	assert_int_equal(vmha_storage_copy_created_count(f.sc), 1);
	assert_int_equal(vmha_virt_disk_check(f.dst, "/default-pool/a.img", d, &found, NULL, 0), 0);
	assert_int_equal(found, VMHA_VIRT_DISK_PRESENT);

	assert_int_equal(vmha_storage_copy_remove_targets(f.sc, d), 0);
	assert_int_equal(vmha_storage_copy_created_count(f.sc), 0);
	assert_int_equal(vmha_virt_disk_check(f.dst, "/default-pool/a.img", d, &found, NULL, 0), 0);
	assert_int_equal(found, VMHA_VIRT_DISK_MISSING);
	/* twice: nothing left to remove, still fine */
	assert_int_equal(vmha_storage_copy_remove_targets(f.sc, d), 0);
	source_volume_delete(&f, "/default-pool/a.img");
	fixture_close(&f);
}

/* A disk present on the target with the same size is shared: not copied. */
static void test_shared_disk(void **state)
{
	struct fixture f;
	uint64_t d = vmha_deadline_in_ms(TIMEOUT_MS);

	(void)state;
	fixture_open(&f, target_with_pool("<volume type='file'><name>s.img</name><capacity "
	                                  "unit='MiB'>64</capacity></volume>"));
	source_volume(&f, "s.img", 64, "raw");
	assert_int_equal(vmha_storage_copy_add_disk(f.sc, "/default-pool/s.img", "vdb", d), 0);
	assert_int_equal(vmha_storage_copy_count(f.sc), 0);
	assert_int_equal(vmha_storage_copy_shared_count(f.sc), 1);
	assert_int_equal(vmha_storage_copy_create_targets(f.sc, d), 0);
	assert_int_equal(vmha_storage_copy_created_count(f.sc), 0);
	source_volume_delete(&f, "/default-pool/s.img");
	fixture_close(&f);
}

/* A present volume of another size is a stale copy: refused, named. */
static void test_stale_copy(void **state)
{
	struct fixture f;
	uint64_t d = vmha_deadline_in_ms(TIMEOUT_MS);

	(void)state;
	fixture_open(&f, target_with_pool("<volume type='file'><name>t.img</name><capacity "
	                                  "unit='MiB'>32</capacity></volume>"));
	source_volume(&f, "t.img", 64, "raw");
	assert_int_equal(vmha_storage_copy_add_disk(f.sc, "/default-pool/t.img", "vda", d),
	                 -EINVAL);
	assert_non_null(strstr(vmha_storage_copy_reason(f.sc), "stale copy"));
	assert_non_null(strstr(vmha_storage_copy_reason(f.sc), "/default-pool/t.img"));
	assert_int_equal(vmha_storage_copy_count(f.sc), 0);
	source_volume_delete(&f, "/default-pool/t.img");
	fixture_close(&f);
}

/* No pool on the target covers the directory: refused, named. */
static void test_no_target_pool(void **state)
{
	struct fixture f;
	uint64_t d = vmha_deadline_in_ms(TIMEOUT_MS);

	(void)state;
	fixture_open(&f, virt_fixture_node_uri(""));
	source_volume(&f, "n.img", 16, "raw");
	assert_int_equal(vmha_storage_copy_add_disk(f.sc, "/default-pool/n.img", "vda", d),
	                 -EINVAL);
	assert_non_null(
	        strstr(vmha_storage_copy_reason(f.sc), "no active storage pool on 'node2'"));
	source_volume_delete(&f, "/default-pool/n.img");
	fixture_close(&f);
}

/* A disk in no pool of the source: refused, named. */
static void test_not_in_source_pool(void **state)
{
	struct fixture f;
	uint64_t d = vmha_deadline_in_ms(TIMEOUT_MS);

	(void)state;
	fixture_open(&f, target_with_pool(""));
	assert_int_equal(vmha_storage_copy_add_disk(f.sc, "/elsewhere/x.img", "vda", d), -EINVAL);
	assert_non_null(strstr(vmha_storage_copy_reason(f.sc), "in no storage pool of this host"));
	fixture_close(&f);
}

/* Two disks that together do not fit the target pool: -ENOSPC before any
 * volume is created. */
static void test_no_room(void **state)
{
	struct fixture f;
	enum vmha_virt_disk found = VMHA_VIRT_DISK_UNCHECKED;
	uint64_t d = vmha_deadline_in_ms(TIMEOUT_MS);

	(void)state;
	fixture_open(&f, target_with_pool(
	                         "<volume type='file'><name>big.img</name><capacity "
	                         "unit='GiB'>90</capacity><allocation unit='GiB'>90</allocation>"
	                         "</volume>"));
	source_volume(&f, "r1.img", 6 * 1024, "raw");
	source_volume(&f, "r2.img", 6 * 1024, "raw");
	assert_int_equal(vmha_storage_copy_add_disk(f.sc, "/default-pool/r1.img", "vda", d), 0);
	assert_int_equal(vmha_storage_copy_add_disk(f.sc, "/default-pool/r2.img", "vdb", d), 0);
	assert_int_equal(vmha_storage_copy_count(f.sc), 2);
	assert_int_equal(vmha_storage_copy_create_targets(f.sc, d), -ENOSPC);
	assert_non_null(strstr(vmha_storage_copy_reason(f.sc),
	                       "storage pool 'images' on 'node2' has 10240 MiB available, the "
	                       "disks need 12288 MiB"));
	assert_int_equal(vmha_storage_copy_created_count(f.sc), 0);
	assert_int_equal(vmha_virt_disk_check(f.dst, "/default-pool/r1.img", d, &found, NULL, 0),
	                 0);
	assert_int_equal(found, VMHA_VIRT_DISK_MISSING);
	source_volume_delete(&f, "/default-pool/r1.img");
	source_volume_delete(&f, "/default-pool/r2.img");
	fixture_close(&f);
}

/* The test driver has no volume streams: the transfer fails, named, and
 * reports no digest. */
static void test_transfer_unsupported(void **state)
{
	struct fixture f;
	uint64_t d = vmha_deadline_in_ms(TIMEOUT_MS);

	(void)state;
	fixture_open(&f, target_with_pool(""));
	source_volume(&f, "x.img", 16, "raw");
	assert_int_equal(vmha_storage_copy_add_disk(f.sc, "/default-pool/x.img", "vda", d), 0);
	assert_int_equal(vmha_storage_copy_create_targets(f.sc, d), 0);
	assert_true(vmha_storage_copy_transfer(f.sc, 0, d) < 0);
	assert_non_null(
	        strstr(vmha_storage_copy_reason(f.sc), "copying disk '/default-pool/x.img'"));
	assert_string_equal(vmha_storage_copy_source_sha256(f.sc, 0), "");
	assert_int_equal(vmha_storage_copy_transfer(f.sc, 5, d), -EINVAL);
	assert_int_equal(vmha_storage_copy_remove_targets(f.sc, d), 0);
	/* removing the sources deletes the source volume */
	assert_int_equal(vmha_storage_copy_remove_sources(f.sc, d), 0);
	assert_null(virStorageVolLookupByPath(f.raw, "/default-pool/x.img"));
	fixture_close(&f);
}

static void test_free_null(void **state)
{
	(void)state;
	vmha_storage_copy_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sha256_cases),         cmocka_unit_test(test_sha256_chunks),
	        cmocka_unit_test(test_create_and_remove),    cmocka_unit_test(test_shared_disk),
	        cmocka_unit_test(test_stale_copy),           cmocka_unit_test(test_no_target_pool),
	        cmocka_unit_test(test_not_in_source_pool),   cmocka_unit_test(test_no_room),
	        cmocka_unit_test(test_transfer_unsupported), cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
