/*
 * Unit tests of heartbeat/wdfeed.c: the start-up refusals (one case per
 * line: settings, expected error or ""), the votequorum check, the feeding
 * decision on a virtual clock with the real self-fence timer, the disarm
 * rule, and the coordinator's timer-restart rule.
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
#include <cmocka.h>

#include "fencing/fence_config.h"
#include "fencing/selffence.h"
#include "heartbeat/wdfeed.h"

struct config_case {
	const char *mode;
	const char *fence_config;
	const char *watchdog_device;
	uint64_t watchdog_timeout_ms;
	uint64_t self_fence_delay_ms;
	uint64_t restart_delay_ms;
	/* "" = accepted; else a part of the error */
	const char *expect;
};

static const struct config_case config_cases[] = {
        {"monitor", "", "", 10000, 30000, 60000, ""},
        {"standalone", "", "", 10000, 30000, 60000,
         "needs a fence device ('fence_config') or a watchdog ('watchdog_device')"},
        {"standalone", "/etc/vmha/fence.conf", "", 10000, 30000, 60000, ""},
        {"standalone", "", "/dev/watchdog", 10000, 30000, 60000, ""},
        {"standalone", "", "/dev/watchdog", 10000, 30000, 45000, ""},
        {"standalone", "", "/dev/watchdog", 10000, 30000, 44999,
         "'restart_delay' (44999 ms) must be at least 'watchdog_timeout' (10000 ms) + "
         "'self_fence_delay' (30000 ms) + 5000 ms = 45000 ms"},
        {"standalone", "/etc/vmha/fence.conf", "/dev/watchdog", 10000, 30000, 32000, ""},
        {"standalone", "/etc/vmha/fence.conf", "", 10000, 30000, 31999,
         "'self_fence_delay' (30000 ms) must be at least 2000 ms shorter than 'restart_delay' "
         "(31999 ms)"},
        {"standalone", "", "/dev/watchdog", 600000, 3600000, 3600000,
         "must be at least 2000 ms shorter"},
        {"standalone", "", "/dev/watchdog", 600000, 3000000, 3600000, "= 3605000 ms"},
};

static void test_check_config(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(config_cases) / sizeof(config_cases[0]); i++) {
		const struct config_case *c = &config_cases[i];
		struct vmha_hbconf conf;
		char err[512] = "";
		int rc;

		vmha_hbconf_defaults(&conf);
		conf.mode = strcmp(c->mode, "standalone") == 0 ? VMHA_HB_MODE_STANDALONE
		                                               : VMHA_HB_MODE_MONITOR;
		snprintf(conf.fence_config, sizeof(conf.fence_config), "%s", c->fence_config);
		snprintf(conf.watchdog_device, sizeof(conf.watchdog_device), "%s",
		         c->watchdog_device);
		conf.watchdog_timeout_ms = c->watchdog_timeout_ms;
		conf.self_fence_delay_ms = c->self_fence_delay_ms;
		conf.restart_delay_ms = c->restart_delay_ms;
		rc = vmha_wdfeed_check_config(&conf, "/etc/vmha/vmhad.conf", err, sizeof(err));
		if (c->expect[0] == '\0'
		            ? rc != 0
		            : rc != -EINVAL || strstr(err, c->expect) == NULL ||
		                      strncmp(err, "/etc/vmha/vmhad.conf: ", 22) != 0) {
			fail_msg("case %zu: rc %d error '%s', expected '%s'", i + 1, rc, err,
			         c->expect);
		}
	}
}

static void test_check_quorum(void **state)
{
	struct vmha_hbconf conf;
	char err[512] = "";

	vmha_hbconf_defaults(&conf);
	conf.mode = VMHA_HB_MODE_STANDALONE;
	assert_int_equal(vmha_wdfeed_check_quorum(&conf, false, err, sizeof(err)), 0);
	assert_int_equal(vmha_wdfeed_check_quorum(&conf, true, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'quorum.two_node'"));
	assert_non_null(strstr(err, "'fence_config'"));
	snprintf(conf.fence_config, sizeof(conf.fence_config), "/etc/vmha/fence.conf");
	assert_int_equal(vmha_wdfeed_check_quorum(&conf, true, err, sizeof(err)), 0);
	conf.fence_config[0] = '\0';
	conf.mode = VMHA_HB_MODE_MONITOR;
	assert_int_equal(vmha_wdfeed_check_quorum(&conf, true, err, sizeof(err)), 0);
}

/* One tick: the main loop at now_ms, feeding every tick it may. */
static enum vmha_wdfeed_verdict tick(struct vmha_selffence *sf, bool corosync_up, bool quorate,
                                     uint64_t last_ms, uint64_t now_ms)
{
	struct vmha_wdfeed_facts f = {0};

	vmha_selffence_set_quorate(sf, quorate, now_ms);
	f.corosync_up = corosync_up;
	f.selffence_allows = vmha_selffence_may_feed_watchdog(sf, now_ms);
	f.last_loop_ms = last_ms;
	f.max_stall_ms = 2500;
	return vmha_wdfeed_decide(&f, now_ms);
}

static void test_decide(void **state)
{
	struct vmha_selffence *sf = vmha_selffence_new(5000);
	struct vmha_wdfeed_facts f = {0};

	assert_non_null(sf);
	assert_int_equal(tick(sf, true, true, 0, 1000), VMHA_WDFEED_FEED);
	/* quorum lost at 2000: fed until 7000 (self_fence_delay), not after */
	assert_int_equal(tick(sf, true, false, 1000, 2000), VMHA_WDFEED_FEED);
	assert_int_equal(tick(sf, true, false, 5000, 6999), VMHA_WDFEED_FEED);
	assert_int_equal(tick(sf, true, false, 6999, 7000), VMHA_WDFEED_HOLD_INQUORATE);
	vmha_selffence_mark_done(sf);
	assert_int_equal(tick(sf, true, false, 7000, 8000), VMHA_WDFEED_HOLD_INQUORATE);
	/* quorum back: fed again */
	assert_int_equal(tick(sf, true, true, 8000, 9000), VMHA_WDFEED_FEED);
	/* corosync gone: not fed, whatever the quorum */
	assert_int_equal(tick(sf, false, true, 9000, 10000), VMHA_WDFEED_HOLD_COROSYNC);
	/* a main loop stalled for 3 s: not fed */
	assert_int_equal(tick(sf, true, true, 10000, 13001), VMHA_WDFEED_HOLD_STALLED);
	assert_int_equal(tick(sf, true, true, 13001, 13500), VMHA_WDFEED_FEED);
	f.fatal = true;
	f.corosync_up = true;
	f.selffence_allows = true;
	assert_int_equal(vmha_wdfeed_decide(&f, 0), VMHA_WDFEED_HOLD_FATAL);
	assert_string_equal(vmha_wdfeed_verdict_name(VMHA_WDFEED_HOLD_FATAL), "fatal error");
	assert_string_equal(vmha_wdfeed_verdict_name(VMHA_WDFEED_FEED), "feed");
	assert_string_equal(vmha_wdfeed_verdict_name(VMHA_WDFEED_HOLD_COROSYNC),
	                    "corosync is down");
	vmha_selffence_free(sf);
}

static void test_interval_and_disarm(void **state)
{
	assert_int_equal(vmha_wdfeed_interval_ms(10000), 2500);
	assert_int_equal(vmha_wdfeed_interval_ms(200), 100);
	assert_true(vmha_wdfeed_may_disarm(0));
	assert_false(vmha_wdfeed_may_disarm(1));
}

struct restart_case {
	bool has_safety;
	uint64_t watchdog_timeout_ms;
	uint64_t self_fence_delay_ms;
	uint64_t restart_delay_ms;
	int rc;
	uint64_t delay_ms;
	const char *why;
};

static const struct restart_case restart_cases[] = {
        {false, 0, 0, 60000, -EAGAIN, 0, "did not announce its watchdog settings"},
        {true, 0, 30000, 60000, -EAGAIN, 0, "runs no watchdog"},
        {true, 10000, 30000, 60000, 0, 60000, NULL},
        {true, 10000, 30000, 45000, 0, 45000, NULL},
        /* the lost host's settings are longer than the coordinator's delay: wait longer */
        {true, 20000, 40000, 60000, 0, 65000, NULL},
        {true, 86400000, 86400000, 1000, 0, 172805000, NULL},
};

static void test_timer_restart(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(restart_cases) / sizeof(restart_cases[0]); i++) {
		const struct restart_case *c = &restart_cases[i];
		struct vmha_msg_safety safety;
		uint64_t delay_ms = 1;
		const char *why = NULL;
		int rc;

		memset(&safety, 0, sizeof(safety));
		safety.watchdog_timeout_ms = c->watchdog_timeout_ms;
		safety.self_fence_delay_ms = c->self_fence_delay_ms;
		rc = vmha_wdfeed_timer_restart(c->has_safety ? &safety : NULL, c->restart_delay_ms,
		                               &delay_ms, &why);
		if (rc != c->rc || (rc == 0 && delay_ms != c->delay_ms) ||
		    (c->why != NULL && (why == NULL || strstr(why, c->why) == NULL))) {
			fail_msg("case %zu: rc %d delay %llu why '%s'", i + 1, rc,
			         (unsigned long long)delay_ms, why != NULL ? why : "");
		}
	}
}

static void test_announce(void **state)
{
	struct vmha_hbconf conf;
	struct vmha_msg_safety s;

	vmha_hbconf_defaults(&conf);
	conf.self_fence_delay_ms = 20000;
	conf.watchdog_timeout_ms = 15000;
	vmha_wdfeed_announce(&conf, true, &s);
	assert_false(s.fence_device);
	assert_int_equal(s.watchdog_timeout_ms, 15000);
	assert_int_equal(s.self_fence_delay_ms, 20000);
	snprintf(conf.fence_config, sizeof(conf.fence_config), "/etc/vmha/fence.conf");
	vmha_wdfeed_announce(&conf, false, &s);
	assert_true(s.fence_device);
	assert_int_equal(s.watchdog_timeout_ms, 0);
}

/* The standalone examples in cluster-examples/ pass the start-up checks. */
static void test_examples(void **state)
{
	static const char *const files[] = {
	        VMHA_TOP_SRCDIR "/cluster-examples/standalone/vmhad-watchdog.conf",
	        VMHA_TOP_SRCDIR "/cluster-examples/standalone/vmhad-fence.conf",
	};
	struct vmha_fence_config *fc = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = NULL;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct vmha_hbconf conf;
		char err[512] = "";

		if (vmha_hbconf_load(files[i], &conf, err, sizeof(err)) != 0 ||
		    vmha_wdfeed_check_config(&conf, files[i], err, sizeof(err)) != 0 ||
		    vmha_wdfeed_check_quorum(&conf, false, err, sizeof(err)) != 0) {
			fail_msg("%s: %s", files[i], err);
		}
		assert_int_equal(conf.mode, VMHA_HB_MODE_STANDALONE);
	}
	f = fopen(VMHA_TOP_SRCDIR "/cluster-examples/standalone/fence.conf", "re");
	assert_non_null(f);
	assert_true(getdelim(&text, &len, '\0', f) > 0);
	fclose(f);
	assert_int_equal(vmha_fence_config_parse(text, "fence.conf", &fc, NULL, 0), 0);
	assert_int_equal(vmha_fence_config_device_count(fc), 3);
	vmha_fence_config_free(fc);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_check_config),  cmocka_unit_test(test_check_quorum),
	        cmocka_unit_test(test_decide),        cmocka_unit_test(test_interval_and_disarm),
	        cmocka_unit_test(test_timer_restart), cmocka_unit_test(test_announce),
	        cmocka_unit_test(test_examples),
	};

	return cmocka_run_group_tests_name("wdfeed", tests, NULL, NULL);
}
