/* filter.h — `hull ps --filter KEY=VALUE`, docker's keys, over container records.
 *
 * A container matches when, for every key given, one of that key's values matches (AND across keys, OR
 * within one). Keys: id (a prefix), name (a regular expression against "/NAME"), status, ancestor (the image
 * a name or id resolves to now), label (K or K=V), exited (an exit code), before/since (a container's name
 * or id: created before/after it), volume (a volume name or a mount destination), network (a network's
 * name), publish/expose (PORT[/PROTO] or START-END[/PROTO], tcp by default: a container port published, or
 * exposed), health (starting, healthy, unhealthy, none). Reads records only (and the image store / another container's record to resolve a value);
 * never prints, never changes anything.
 */
#ifndef HULL_ENGINE_FILTER_H
#define HULL_ENGINE_FILTER_H

#include <stdbool.h>
#include "engine/engine.h"
#include "util/err.h"

struct ctr_filters;

struct ctr_filters *ctr_filters_new(void);
void ctr_filters_free(struct ctr_filters *f);
/* One --filter argument; an unknown key or a bad value is an error naming it. */
int ctr_filters_add(struct ctr_filters *f, const char *arg, struct hull_err **err);
/* Resolve the values that name other objects: ancestor (through the image store; an image no longer
 * there still matches the name a container was made from) and before/since (a container that must exist). */
int ctr_filters_resolve(struct ctr_filters *f, struct engine *e, struct hull_err **err);
bool ctr_filters_match(const struct ctr_filters *f, struct ctr *c);
/* A status filter lists containers in every state, as docker (`ps` without -a). */
bool ctr_filters_name_status(const struct ctr_filters *f);

#endif
