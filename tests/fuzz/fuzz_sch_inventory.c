// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * fuzz_sch_inventory.c — libFuzzer target for what the scheduler parses
 * from files people edit or other hosts answer: the hosts inventory (its
 * round trip through the formatter must parse again to the same hosts),
 * target specs matched against it, destinations, the probe answer and
 * the probe cache JSON.  Crashes, leaks and UB are the findings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/scheduler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sch_inventory inv, again;
	struct sch_probe p = { 0 }, *q = NULL;
	const char *text = (const char *)data;
	char *s, *first;
	size_t *idx = NULL, nq = 0;

	if (sch_inventory_parse(&inv, text, size, NULL) == 0) {
		s = sch_inventory_format(&inv);
		if (sch_inventory_parse(&again, s, strlen(s), NULL) < 0 ||
		    again.n != inv.n)
			abort();
		for (size_t i = 0; i < inv.n; i++)
			if (strcmp(inv.hosts[i].dest, again.hosts[i].dest))
				abort();
		free(s);
		sch_inventory_release(&again);
	}
	/* the first line as a spec and as a destination */
	first = strndup(text, size);
	if (!first)
		return 0;
	first[strcspn(first, "\n")] = 0;
	if (sch_match(&inv, first, &idx, NULL) >= 0)
		free(idx);
	if (sch_check_dest(first, NULL) == 0 && first[0] == '-')
		abort(); /* never an ssh option */
	free(first);
	sch_inventory_release(&inv);

	sch_probe_parse(&p, text, size, NULL);
	sch_probe_release(&p);
	if (sch_probe_from_json(text, size, &q, &nq, NULL) == 0) {
		for (size_t i = 0; i < nq; i++)
			sch_probe_release(&q[i]);
		free(q);
	}
	return 0;
}
