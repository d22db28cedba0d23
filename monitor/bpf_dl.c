// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * bpf_dl.c — libbpf, loaded the first time a monitor is opened instead
 * of at every start of the shell: libbpf.so binds all of its own
 * imports at load (BIND_NOW) and pulls libelf and zlib in, ~0.2 ms of
 * each cshell start-up that never monitors anything.
 *
 * The functions the monitor (and its skeleton) calls are defined here
 * under libbpf's own names, with libbpf's prototypes from its header,
 * and forward to the library's; the list is LIBBPF_FNS.  A function
 * missing from the list fails at link time, one missing from the
 * library at mon_bpf_load().
 */
#include <dlfcn.h>

#include <bpf/libbpf.h>
#include <bpf/libbpf_version.h>

#include "monitor/mon_i.h"

_Static_assert(LIBBPF_MAJOR_VERSION == 1, "built for libbpf.so.1");
#define LIBBPF_SONAME "libbpf.so.1"

#define LIBBPF_FNS(X)                                                          \
	X(bpf_map__delete_elem)                                                \
	X(bpf_map__fd)                                                         \
	X(bpf_map__lookup_elem)                                                \
	X(bpf_map__set_max_entries)                                            \
	X(bpf_map__update_elem)                                                \
	X(bpf_object__attach_skeleton)                                         \
	X(bpf_object__destroy_skeleton)                                        \
	X(bpf_object__load_skeleton)                                           \
	X(bpf_object__open_skeleton)                                           \
	X(bpf_program__set_autoload)                                           \
	X(libbpf_num_possible_cpus)                                            \
	X(libbpf_set_print)                                                    \
	X(ring_buffer__consume)                                                \
	X(ring_buffer__free)                                                   \
	X(ring_buffer__new)                                                    \
	X(ring_buffer__poll)

#define FN_PTR(name) __typeof__(name) *name;
static struct {
	LIBBPF_FNS(FN_PTR)
} dl;

int mon_bpf_load(struct cs_error *err)
{
	static void *lib;
	void *h;

	if (lib)
		return 0;
	h = dlopen(LIBBPF_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return cs_error_set(err, 0, "monitoring needs libbpf: %s",
				    dlerror());
#define FN_LOAD(name)                                                          \
	dl.name = (__typeof__(dl.name))dlsym(h, #name);                        \
	if (!dl.name) {                                                        \
		dlclose(h);                                                    \
		return cs_error_set(err, 0,                                    \
				    "monitoring needs libbpf: " LIBBPF_SONAME  \
				    " has no '%s'",                            \
				    #name);                                    \
	}
	LIBBPF_FNS(FN_LOAD)
	lib = h;
	return 0;
}

/* Only reached after mon_bpf_load() succeeded: every call starts from a
 * struct mon that mon_open() made. */
int bpf_map__delete_elem(const struct bpf_map *map, const void *key,
			 size_t key_sz, __u64 flags)
{
	return dl.bpf_map__delete_elem(map, key, key_sz, flags);
}

int bpf_map__fd(const struct bpf_map *map)
{
	return dl.bpf_map__fd(map);
}

int bpf_map__lookup_elem(const struct bpf_map *map, const void *key,
			 size_t key_sz, void *value, size_t value_sz,
			 __u64 flags)
{
	return dl.bpf_map__lookup_elem(map, key, key_sz, value, value_sz,
				       flags);
}

int bpf_map__set_max_entries(struct bpf_map *map, __u32 max_entries)
{
	return dl.bpf_map__set_max_entries(map, max_entries);
}

int bpf_map__update_elem(const struct bpf_map *map, const void *key,
			 size_t key_sz, const void *value, size_t value_sz,
			 __u64 flags)
{
	return dl.bpf_map__update_elem(map, key, key_sz, value, value_sz,
				       flags);
}

int bpf_object__attach_skeleton(struct bpf_object_skeleton *s)
{
	return dl.bpf_object__attach_skeleton(s);
}

void bpf_object__destroy_skeleton(struct bpf_object_skeleton *s)
{
	dl.bpf_object__destroy_skeleton(s);
}

int bpf_object__load_skeleton(struct bpf_object_skeleton *s)
{
	return dl.bpf_object__load_skeleton(s);
}

int bpf_object__open_skeleton(struct bpf_object_skeleton *s,
			      const struct bpf_object_open_opts *opts)
{
	return dl.bpf_object__open_skeleton(s, opts);
}

int bpf_program__set_autoload(struct bpf_program *prog, bool autoload)
{
	return dl.bpf_program__set_autoload(prog, autoload);
}

int libbpf_num_possible_cpus(void)
{
	return dl.libbpf_num_possible_cpus();
}

libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn)
{
	return dl.libbpf_set_print(fn);
}

int ring_buffer__consume(struct ring_buffer *rb)
{
	return dl.ring_buffer__consume(rb);
}

void ring_buffer__free(struct ring_buffer *rb)
{
	dl.ring_buffer__free(rb);
}

struct ring_buffer *ring_buffer__new(int map_fd,
				     ring_buffer_sample_fn sample_cb, void *ctx,
				     const struct ring_buffer_opts *opts)
{
	return dl.ring_buffer__new(map_fd, sample_cb, ctx, opts);
}

int ring_buffer__poll(struct ring_buffer *rb, int timeout_ms)
{
	return dl.ring_buffer__poll(rb, timeout_ms);
}
