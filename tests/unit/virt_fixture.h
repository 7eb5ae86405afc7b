/*
 * Fixtures shared by the unit tests of the lib/ modules on libvirt's test
 * driver: the source "test:///default" with its domain "test", and target
 * nodes described by XML fragments (pools, networks, domains).
 */
#ifndef VMHA_TESTS_VIRT_FIXTURE_H
#define VMHA_TESTS_VIRT_FIXTURE_H

#include "virt.h"

/** How long any one libvirt call of these tests may take. */
#define VIRT_FIXTURE_TIMEOUT_MS 10000

/** The source: test:///default and its domain "test". */
struct virt_fixture {
	struct vmha_virt *src;
	struct vmha_virt_domain *dom;
};

/** cmocka setup: *state becomes a struct virt_fixture. */
int virt_fixture_setup(void **state);

/** cmocka teardown of virt_fixture_setup(). */
int virt_fixture_teardown(void **state);

/**
 * A target node of the test driver (one host, 4 CPUs, 64 GiB) holding body,
 * written to a temporary file.
 *
 * @return its URI, "test:///tmp/...": give it to virt_fixture_node_done()
 */
char *virt_fixture_node_uri(const char *body);

/** Remove the node file of uri and free uri; NULL is a no-op. */
void virt_fixture_node_done(char *uri);

#endif /* VMHA_TESTS_VIRT_FIXTURE_H */
