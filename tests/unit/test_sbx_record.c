// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * test_sbx_record.c — unit tests of the sandbox record: a full record
 * round-trips (escaped values, repeated keys in order), unknown keys are
 * ignored, malformed or newer records are refused, and the JSON form is
 * escaped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sandbox/sandbox.h"

static void fill(struct sbx_info *info)
{
	memset(info, 0, sizeof(*info));
	sbx_spec_init(&info->spec);
	info->spec.name = xstrdup("dev");
	sbx_spec_add_layer(&info->spec, "/layers/a");
	sbx_spec_add_layer(&info->spec, "/layers/b");
	sbx_spec_add_mount(&info->spec, "/src\nx", "/dst", 1);
	sbx_spec_add_mount(&info->spec, "/s2", "/d2", 0);
	sbx_spec_add_env(&info->spec, "A=b\\c\td");
	info->spec.workdir = xstrdup("/src");
	info->spec.uid = 1000;
	info->spec.gid = 100;
	info->spec.memory = 1ULL << 33;
	info->spec.pids = 64;
	info->spec.cpus_milli = 1500;
	info->spec.net = SBX_NET_HOST;
	info->spec.net_host_access = 1;
	info->spec.seccomp = SBX_SECCOMP_UNCONFINED;
	info->spec.read_only = 1;
	info->state = SBX_STATE_RUNNING;
	info->init_pid = 4242;
	info->init_start = 123456789012ULL;
	info->fs_pid = 4243;
	info->fs_start = 123456789013ULL;
	info->spec.image = xstrdup("localhost:5000/busybox:1");
	info->ns_flags = 0x7e020000;
	info->caps = sbx_default_caps();
	info->rootfs = xstrdup("/run/cshell/sandboxes/dev/rootfs");
	info->rootfs_mode = xstrdup("fuse");
	info->cgroup_v1 =
		xstrdup("/sys/fs/cgroup/memory/x:/sys/fs/cgroup/pids/x");
	info->created = 1700000000;
}

static void test_roundtrip(void **state)
{
	struct sbx_info a, b;
	struct cs_buf text = CS_BUF_INIT;
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	fill(&a);
	sbx_info_format(&a, &text);
	assert_true(!strncmp(text.buf, "version=1\n", 10));
	memset(&b, 0, sizeof(b));
	assert_int_equal(sbx_info_parse(&b, text.buf, &err), 0);
	assert_string_equal(b.spec.name, "dev");
	assert_int_equal(b.spec.nlayers, 2);
	assert_string_equal(b.spec.layers[1], "/layers/b");
	assert_int_equal(b.spec.nmounts, 2);
	assert_string_equal(b.spec.mounts[0].src, "/src\nx");
	assert_int_equal(b.spec.mounts[0].ro, 1);
	assert_string_equal(b.spec.mounts[1].dst, "/d2");
	assert_int_equal(b.spec.mounts[1].ro, 0);
	assert_string_equal(b.spec.env[0], "A=b\\c\td");
	assert_int_equal(b.spec.uid, 1000);
	assert_int_equal(b.spec.gid, 100);
	assert_int_equal(b.spec.memory, 1ULL << 33);
	assert_int_equal(b.spec.cpus_milli, 1500);
	assert_int_equal(b.spec.net, SBX_NET_HOST);
	assert_int_equal(b.spec.net_host_access, 1);
	assert_int_equal(b.spec.pids, 64);
	assert_int_equal(b.spec.seccomp, SBX_SECCOMP_UNCONFINED);
	assert_int_equal(b.spec.read_only, 1);
	assert_int_equal(b.init_pid, 4242);
	assert_int_equal(b.init_start, 123456789012ULL);
	assert_int_equal(b.fs_pid, 4243);
	assert_int_equal(b.fs_start, 123456789013ULL);
	assert_string_equal(b.spec.image, "localhost:5000/busybox:1");
	assert_int_equal(b.ns_flags, 0x7e020000);
	assert_int_equal(b.caps, sbx_default_caps());
	assert_string_equal(b.cgroup_v1, a.cgroup_v1);
	assert_null(b.cgroup_v2);
	assert_null(b.upper);
	assert_int_equal(b.state, SBX_STATE_RUNNING);
	assert_int_equal(b.created, 1700000000);
	sbx_info_release(&a);
	sbx_info_release(&b);
	cs_buf_release(&text);
}

static void test_refused(void **state)
{
	struct sbx_info b;
	struct cs_error err = CS_ERROR_INIT;

	(void)state;
	memset(&b, 0, sizeof(b));
	assert_true(sbx_info_parse(&b, "name=x\n", &err) < 0);
	sbx_info_release(&b);
	assert_true(sbx_info_parse(&b, "version=1\nname=x\ninit_pid=12ab\n",
				   &err) < 0);
	assert_non_null(strstr(err.msg, "init_pid"));
	sbx_info_release(&b);
	assert_true(sbx_info_parse(&b, "version=1\nnoequals\n", &err) < 0);
	sbx_info_release(&b);
	assert_true(sbx_info_parse(&b, "version=9\nname=x\n", &err) < 0);
	assert_non_null(strstr(err.msg, "upgrade cshell"));
	sbx_info_release(&b);
	assert_true(sbx_info_parse(&b, "version=1\n", &err) < 0);
	sbx_info_release(&b);
	assert_true(sbx_info_parse(&b, "version=1\nname=x\nmount_dst=/a\n",
				   &err) < 0);
	sbx_info_release(&b);
	/* an unknown backend is named, never read as a namespace one */
	cs_error_release(&err);
	assert_true(sbx_info_parse(&b, "version=1\nname=x\nbackend=zone\n",
				   &err) < 0);
	assert_non_null(strstr(err.msg, "unknown backend 'zone'"));
	sbx_info_release(&b);
	/* unknown keys from a newer minor writer are fine */
	assert_int_equal(sbx_info_parse(&b,
					"version=1\nname=x\nfuture=1\n"
					"state=stopped\n",
					&err),
			 0);
	assert_int_equal(b.state, SBX_STATE_STOPPED);
	sbx_info_release(&b);
	cs_error_release(&err);
}

static void test_json(void **state)
{
	struct sbx_info a;
	struct cs_buf j = CS_BUF_INIT;

	(void)state;
	fill(&a);
	sbx_info_json(&a, &j);
	assert_non_null(strstr(j.buf, "\"name\":\"dev\""));
	assert_non_null(strstr(j.buf, "\"src\":\"/src\\nx\""));
	assert_non_null(strstr(j.buf, "\"env\":[\"A=b\\\\c\\td\"]"));
	assert_non_null(strstr(j.buf, "\"cpus\":1.500"));
	assert_non_null(strstr(j.buf, "\"CAP_CHOWN\""));
	assert_null(strstr(j.buf, "CAP_NET_RAW"));
	assert_non_null(
		strstr(j.buf, "\"layers\":[\"/layers/a\",\"/layers/b\"]"));
	assert_true(j.buf[0] == '{' && j.buf[j.len - 1] == '}');
	assert_null(strstr(j.buf, ",,"));
	assert_null(strstr(j.buf, "{,"));
	sbx_info_release(&a);
	cs_buf_release(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
