/* test_spec_errors.c — config.json parsing: one test per class of bad input, each asserting the exact
 * message with its JSON path (or line:column for syntax errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/spec.h"
#include "util/fs.h"
#include "test_spec_util.h"

/* ---- invalid input: one class each, exact message ---- */

static void test_err_syntax(void **state)
{
	expect_error("{\"ociVersion\": \"1.2.0\",\n  \"root\": }", "config.json:2:11: unexpected token near '}'");
	expect_error("", "config.json:1:0: '[' or '{' expected near end of file");
	/* A syntax error after a number above INT64_MAX is reported where it is, not as an overflow. */
	expect_error("{\"a\": 18446744073709551615, \"b\": 18446744073709551615 ]",
		     "config.json:1:55: '}' expected near ']'");
	expect_error("{\"a\": 18446744073709551615,\n \"b\" ]", "config.json:2:6: ':' expected near ']'");
	expect_error("{\"a\": -99999999999999999999}", "config.json:1:27: too big negative integer");
	expect_error("{\"ociVersion\":\"1.2.0\",\"ociVersion\":\"1.2.0\"}",
		     "config.json:1:34: duplicate object key near '\"ociVersion\"'");
}

static void test_err_not_object(void **state)
{
	expect_error("[1]", "config.json: expected object, got array");
}

static void test_err_version(void **state)
{
	expect_error("{\"root\":{\"path\":\"r\"}}", "config.json: ociVersion: required string is missing");
	expect_error("{\"ociVersion\":\"2.0.0\",\"root\":{\"path\":\"r\"}}",
		     "config.json: ociVersion: unsupported version \"2.0.0\": this runtime supports 1.0.0 to 1.3.x");
	expect_error("{\"ociVersion\":\"0.5.0\",\"root\":{\"path\":\"r\"}}",
		     "config.json: ociVersion: unsupported version \"0.5.0\": this runtime supports 1.0.0 to 1.3.x");
	expect_error("{\"ociVersion\":\"1.2\",\"root\":{\"path\":\"r\"}}",
		     "config.json: ociVersion: \"1.2\" is not a semantic version (MAJOR.MINOR.PATCH)");
	expect_error("{\"ociVersion\":1,\"root\":{\"path\":\"r\"}}", "config.json: ociVersion: expected string, got integer");
}

static void test_err_root(void **state)
{
	expect_error("{\"ociVersion\":\"1.2.0\"}", "config.json: root: required object is missing");
	expect_error("{\"ociVersion\":\"1.2.0\",\"root\":{}}", "config.json: root.path: required string is missing");
	expect_error("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\",\"readonly\":\"yes\"}}",
		     "config.json: root.readonly: expected boolean, got string");
}

static void test_err_wrong_types(void **state)
{
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":5}}", "config.json: process.cwd: expected string, got integer");
	expect_error(HEAD "\"process\":{\"args\":\"sh\",\"cwd\":\"/\"}}", "config.json: process.args: expected array, got string");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\", 1],\"cwd\":\"/\"}}",
		     "config.json: process.args[1]: expected string, got integer");
	expect_error(HEAD "\"process\":[]}", "config.json: process: expected object, got array");
	expect_error(HEAD "\"hostname\":true}", "config.json: hostname: expected string, got boolean");
	expect_error(HEAD PROC ",\"annotations\":{\"a\":1}}", "config.json: annotations[\"a\"]: expected string, got integer");
	expect_error(HEAD PROC ",\"annotations\":{\"\":\"x\"}}", "config.json: annotations[\"\"]: empty key");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":-1,\"gid\":0}}}",
		     "config.json: process.user.uid: integer -1 out of range [0, 4294967295]");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":1.5,\"gid\":0}}}",
		     "config.json: process.user.uid: expected unsigned integer, got number");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"oomScoreAdj\":1001}}",
		     "config.json: process.oomScoreAdj: integer 1001 out of range [-1000, 1000]");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"memory\":{\"limit\":18446744073709551615}}}}",
		     "config.json: linux.resources.memory.limit: integer 18446744073709551615 out of range [-1, 9223372036854775807]");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"pids\":{\"limit\":\"18446744073709551615\"}}}}",
		     "config.json: linux.resources.pids.limit: expected integer, got string");
}

static void test_err_process(void **state)
{
	expect_error(HEAD "\"process\":{\"cwd\":\"/\"}}",
		     "config.json: process.args: at least one argument is required (the program to run)");
	expect_error(HEAD "\"process\":{\"args\":[],\"cwd\":\"/\"}}",
		     "config.json: process.args: at least one argument is required (the program to run)");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"]}}", "config.json: process.cwd: required string is missing");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"home\"}}",
		     "config.json: process.cwd: \"home\" is not an absolute path");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"gid\":0}}}",
		     "config.json: process.user.uid: required integer is missing");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"consoleSize\":{\"height\":1}}}",
		     "config.json: process.consoleSize.width: required integer is missing");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"scheduler\":{\"policy\":\"SCHED_FOO\"}}}",
		     "config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_FOO\"");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"priority\":5}}}",
		     "config.json: process.scheduler: priority: only SCHED_FIFO and SCHED_RR take a priority, not SCHED_OTHER");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"scheduler\":{\"policy\":\"SCHED_RR\",\"nice\":20}}}",
		     "config.json: process.scheduler.nice: integer 20 out of range [-20, 19]");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"scheduler\":{\"policy\":\"SCHED_BATCH\",\"flags\":[\"X\"]}}}",
		     "config.json: process.scheduler.flags[0]: unknown scheduler flag \"X\"");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":8}}}",
		     "config.json: process.ioPriority.priority: integer 8 out of range [0, 7]");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"execCPUAffinity\":{\"initial\":\"3-1\"}}}",
		     "config.json: process.execCPUAffinity.initial: invalid CPU list \"3-1\" (want e.g. \"0-3,7\")");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"A=1\",\"NOEQUALS\"]}}",
		     "config.json: process.env[1]: \"NOEQUALS\" is not NAME=VALUE");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"=x\"]}}",
		     "config.json: process.env[0]: \"=x\" is not NAME=VALUE");
	expect_error(HEAD "\"process\":{\"args\":[\"\"],\"cwd\":\"/\"}}", "config.json: process.args[0]: empty program name");
}

static void test_err_capability(void **state)
{
	/* runtime-spec 1.0.x: "Any value which cannot be mapped to a relevant kernel interface MUST cause an
	 * error" (runtime-tools' process_capabilities_fail checks it); 1.1+ warns instead. */
	expect_error("{\"ociVersion\":\"1.0.2-dev\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
		     "\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_TEST\"]}}}",
		     "config.json: process.capabilities.bounding[1]: unknown capability \"CAP_TEST\"");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"capabilities\":{\"ambient\":[7]}}}",
		     "config.json: process.capabilities.ambient[0]: expected string, got integer");
}

static void test_err_rlimit(void **state)
{
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]}}",
		     "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1},"
		     "{\"type\":\"RLIMIT_NOFILE\",\"soft\":2,\"hard\":2}]}}",
		     "config.json: process.rlimits[1]: duplicate rlimit \"RLIMIT_NOFILE\" (also at index 0)");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1}]}}",
		     "config.json: process.rlimits[0].hard: required integer is missing");
	expect_error(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":5}]}}",
		     "config.json: process.rlimits[0]: soft limit 10 is above hard limit 5");
}

static void test_err_mounts(void **state)
{
	expect_error(HEAD PROC ",\"mounts\":[{\"destination\":\"/a\"},{\"type\":\"tmpfs\"}]}",
		     "config.json: mounts[1].destination: required string is missing");
	expect_error(HEAD PROC ",\"mounts\":[{\"destination\":\"\"}]}", "config.json: mounts[0].destination: empty destination");
	expect_error(HEAD PROC ",\"mounts\":[{\"destination\":\"/a\",\"options\":[\"ro\",3]}]}",
		     "config.json: mounts[0].options[1]: expected string, got integer");
	expect_error(HEAD PROC ",\"mounts\":{}}", "config.json: mounts: expected array, got object");
	expect_error(HEAD PROC ",\"mounts\":[{\"destination\":\"/a\",\"options\":[\"bind\",\"idmap\"],"
		     "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}]}",
		     "config.json: mounts[0]: uidMappings and gidMappings must be given together");
	expect_error(HEAD PROC ",\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[{\"containerID\":0,\"hostID\":1000}]}]}",
		     "config.json: mounts[0].uidMappings[0].size: required integer is missing");
}

static void test_err_hooks(void **state)
{
	expect_error(HEAD PROC ",\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\",\"timeout\":0}]}}",
		     "config.json: hooks.poststop[0].timeout: timeout must be greater than zero, got 0");
	expect_error(HEAD PROC ",\"hooks\":{\"createRuntime\":[{\"path\":\"/bin/a\"},{\"path\":\"/bin/true\",\"timeout\":-3}]}}",
		     "config.json: hooks.createRuntime[1].timeout: timeout must be greater than zero, got -3");
	expect_error(HEAD PROC ",\"hooks\":{\"prestart\":[{\"path\":\"true\"}]}}",
		     "config.json: hooks.prestart[0].path: hook path \"true\" is not absolute");
	expect_error(HEAD PROC ",\"hooks\":{\"startContainer\":[{\"args\":[]}]}}",
		     "config.json: hooks.startContainer[0].path: required string is missing");
	expect_error(HEAD PROC ",\"hooks\":{\"poststart\":{}}}", "config.json: hooks.poststart: expected array, got object");
}

static void test_err_namespaces(void **state)
{
	expect_error(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"foo\"}]}}",
		     "config.json: linux.namespaces[2].type: unknown namespace \"foo\"");
	expect_error(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"}]}}",
		     "config.json: linux.namespaces[1].type: duplicate namespace \"pid\" (also at index 0)");
	expect_error(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"netns\"}]}}",
		     "config.json: linux.namespaces[0].path: namespace path \"netns\" is not absolute");
	expect_error(HEAD PROC ",\"linux\":{\"namespaces\":[{}]}}", "config.json: linux.namespaces[0].type: required string is missing");
	expect_error(HEAD PROC ",\"hostname\":\"h\",\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]}}",
		     "config.json: hostname: setting the hostname needs a private UTS namespace (linux.namespaces has no \"uts\")");
	expect_error(HEAD PROC ",\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}}",
		     "config.json: linux.uidMappings: id mappings need a user namespace (linux.namespaces has no \"user\")");
	expect_error(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}}",
		     "config.json: linux.namespaces: a new user namespace needs both linux.uidMappings and linux.gidMappings");
	expect_error(HEAD PROC ",\"linux\":{\"timeOffsets\":{\"monotonic\":{\"secs\":1}}}}",
		     "config.json: linux.timeOffsets: time offsets need a time namespace (linux.namespaces has no \"time\")");
	expect_error(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"time\"}],\"timeOffsets\":{\"realtime\":{}}}}",
		     "config.json: linux.timeOffsets.realtime: unknown clock (want \"monotonic\" or \"boottime\")");
	expect_error(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":0,\"hostID\":4294967295,\"size\":2}],"
		     "\"gidMappings\":[]}}",
		     "config.json: linux.uidMappings[0]: id range goes past 4294967295");
}

static void test_err_linux_misc(void **state)
{
	expect_error(HEAD PROC ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"q\",\"major\":1,\"minor\":1}]}}",
		     "config.json: linux.devices[0].type: unknown device type (want \"c\", \"b\", \"u\" or \"p\")");
	expect_error(HEAD PROC ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1}]}}",
		     "config.json: linux.devices[0].minor: required integer is missing");
	expect_error(HEAD PROC ",\"linux\":{\"devices\":[{\"path\":\"dev/x\",\"type\":\"c\",\"major\":1,\"minor\":1}]}}",
		     "config.json: linux.devices[0].path: device path \"dev/x\" is not absolute");
	expect_error(HEAD PROC ",\"linux\":{\"maskedPaths\":[\"/proc/kcore\",\"proc/keys\"]}}",
		     "config.json: linux.maskedPaths[1]: \"proc/keys\" is not an absolute path");
	expect_error(HEAD PROC ",\"linux\":{\"readonlyPaths\":[\"sys\"]}}",
		     "config.json: linux.readonlyPaths[0]: \"sys\" is not an absolute path");
	expect_error(HEAD PROC ",\"linux\":{\"rootfsPropagation\":\"everywhere\"}}",
		     "config.json: linux.rootfsPropagation: unknown rootfs propagation \"everywhere\"");
	expect_error(HEAD PROC ",\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":1}}}",
		     "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected string, got integer");
	expect_error(HEAD PROC ",\"linux\":{\"sysctl\":{\"net.ipv4/../../x\":\"1\"}}}",
		     "config.json: linux.sysctl[\"net.ipv4/../../x\"]: invalid sysctl name");
	expect_error(HEAD PROC ",\"linux\":{\"sysctl\":{\"net..core\":\"1\"}}}",
		     "config.json: linux.sysctl[\"net..core\"]: invalid sysctl name");
	expect_error(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"ipc\"}],\"sysctl\":{\"kernel.shmmax\":\"1\",\"net.ipv4.ip_forward\":\"1\"}}}",
		     "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: needs its own network namespace (linux.namespaces has no \"network\")");
	expect_error(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"network\"}],\"sysctl\":{\"fs.mqueue.msg_max\":\"1\"}}}",
		     "config.json: linux.sysctl[\"fs.mqueue.msg_max\"]: needs its own ipc namespace (linux.namespaces has no \"ipc\")");
	expect_error(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"network\"}],\"sysctl\":{\"vm.swappiness\":\"1\"}}}",
		     "config.json: linux.sysctl[\"vm.swappiness\"]: not in a separate kernel namespace: it would change the host");
	expect_error(HEAD PROC ",\"linux\":{\"personality\":{\"domain\":\"BSD\"}}}",
		     "config.json: linux.personality.domain: unknown personality domain \"BSD\"");
	expect_error(HEAD PROC ",\"linux\":{\"personality\":{\"domain\":\"LINUX\",\"flags\":[\"ADDR_NO_RANDOMIZE\"]}}}",
		     "config.json: linux.personality.flags[0]: unknown personality flag \"ADDR_NO_RANDOMIZE\"");
	expect_error(HEAD PROC ",\"linux\":{\"intelRdt\":{\"closID\":\"../x\"}}}",
		     "config.json: linux.intelRdt.closID: invalid CLOS id \"../x\" (want \"/\" or a plain name)");
	expect_error(HEAD PROC ",\"linux\":{\"intelRdt\":{\"memBwSchema\":\"L3:0=1\"}}}",
		     "config.json: linux.intelRdt.memBwSchema: must start with \"MB:\" and hold no newline");
	expect_error(HEAD PROC ",\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_BIND\",\"flags\":[\"MPOL_F_X\"]}}}",
		     "config.json: linux.memoryPolicy.flags[0]: unknown memory policy flag \"MPOL_F_X\"");
	expect_error(HEAD PROC ",\"linux\":{\"netDevices\":{\"eth0/../x\":{}}}}",
		     "config.json: linux.netDevices[\"eth0/../x\"]: invalid interface name");
}

static void test_err_resources(void **state)
{
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"devices\":[{\"access\":\"rwm\"}]}}}",
		     "config.json: linux.resources.devices[0]: allow: required boolean is missing");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}}}",
		     "config.json: linux.resources.devices[0].access: invalid access \"rwx\" (want letters of \"rwm\")");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"memory\":{\"swappiness\":101}}}}",
		     "config.json: linux.resources.memory.swappiness: integer 101 out of range [0, 100]");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"memory\":{\"limit\":100,\"swap\":50}}}}",
		     "config.json: linux.resources.memory: swap (50) must not be below limit (100): swap is memory+swap");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"cpu\":{\"quota\":1000,\"burst\":2000}}}}",
		     "config.json: linux.resources.cpu: burst (2000) must not be above quota (1000)");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"cpu\":{\"cpus\":\"0-\"}}}}",
		     "config.json: linux.resources.cpu.cpus: invalid list \"0-\" (want e.g. \"0-3,7\")");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"cpu\":{\"cpus\":\"0-18446744073709551616\"}}}}",
		     "config.json: linux.resources.cpu.cpus: invalid list \"0-18446744073709551616\" (want e.g. \"0-3,7\")");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"cpu\":{\"mems\":\"99999999999999999999999\"}}}}",
		     "config.json: linux.resources.cpu.mems: invalid list \"99999999999999999999999\" (want e.g. \"0-3,7\")");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0}]}}}}",
		     "config.json: linux.resources.blockIO.weightDevice[0]: give weight, leafWeight or both");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"blockIO\":{\"weight\":70000}}}}",
		     "config.json: linux.resources.blockIO.weight: integer 70000 out of range [0, 65535]");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0}]}}}}",
		     "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: required integer is missing");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"../2MB\",\"limit\":1}]}}}",
		     "config.json: linux.resources.hugepageLimits[0].pageSize: invalid page size \"../2MB\" (want e.g. \"2MB\")");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"rdma\":{\"mlx\":{}}}}}",
		     "config.json: linux.resources.rdma[\"mlx\"]: give hcaHandles, hcaObjects or both");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"network\":{\"priorities\":[{\"name\":\"eth0\"}]}}}}",
		     "config.json: linux.resources.network.priorities[0].priority: required integer is missing");
	expect_error(HEAD PROC ",\"linux\":{\"resources\":{\"unified\":{\"../memory.max\":\"1\"}}}}",
		     "config.json: linux.resources.unified[\"../memory.max\"]: not a cgroup file name (want \"<controller>.<file>\")");
}

static void test_err_seccomp(void **state)
{
#define SC(x) HEAD PROC ",\"linux\":{\"seccomp\":" x "}}"
	expect_error(SC("{}"), "config.json: linux.seccomp.defaultAction: required string is missing");
	expect_error(SC("{\"defaultAction\":\"SCMP_ACT_FOO\"}"),
		     "config.json: linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\"");
	expect_error(SC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}"),
		     "config.json: linux.seccomp.defaultErrnoRet: SCMP_ACT_ALLOW does not return an errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)");
	expect_error(SC("{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/x\"}"),
		     "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	expect_error(SC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_Z80\"]}"),
		     "config.json: linux.seccomp.architectures[0]: unknown seccomp architecture \"SCMP_ARCH_Z80\"");
	expect_error(SC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_FOO\"]}"),
		     "config.json: linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_FOO\"");
	expect_error(SC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerMetadata\":\"m\"}"),
		     "config.json: linux.seccomp.listenerMetadata: set without listenerPath");
	expect_error(SC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"open\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}"),
		     "config.json: linux.seccomp: SCMP_ACT_NOTIFY is used but listenerPath is not set");
	expect_error(SC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],\"action\":\"SCMP_ACT_KILL\"}]}"),
		     "config.json: linux.seccomp.syscalls[0].names: at least one syscall name is required");
	expect_error(SC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"KILL\"}]}"),
		     "config.json: linux.seccomp.syscalls[0].action: unknown seccomp action \"KILL\"");
	expect_error(SC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_KILL\",\"errnoRet\":1}]}"),
		     "config.json: linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_KILL does not return an errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)");
	expect_error(SC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":"
			"[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
		     "config.json: linux.seccomp.syscalls[0].args[0].index: integer 6 out of range [0, 5]");
	expect_error(SC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":"
			"[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_XX\"}]}]}"),
		     "config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_XX\"");
	expect_error(SC("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":"
			"[{\"index\":0,\"value\":18446744073709551616,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
		     "config.json: linux.seccomp.syscalls[0].args[0].value: integer 18446744073709551616 out of range [0, 18446744073709551615]");
#undef SC
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_syntax),
		cmocka_unit_test(test_err_not_object),
		cmocka_unit_test(test_err_version),
		cmocka_unit_test(test_err_root),
		cmocka_unit_test(test_err_wrong_types),
		cmocka_unit_test(test_err_process),
		cmocka_unit_test(test_err_capability),
		cmocka_unit_test(test_err_rlimit),
		cmocka_unit_test(test_err_mounts),
		cmocka_unit_test(test_err_hooks),
		cmocka_unit_test(test_err_namespaces),
		cmocka_unit_test(test_err_linux_misc),
		cmocka_unit_test(test_err_resources),
		cmocka_unit_test(test_err_seccomp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
