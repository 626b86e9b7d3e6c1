/* spec_mount.c — one entry of "mounts": fields, id mappings, and the options decoded into mount(2) /
 * mount_setattr(2) terms with the table of tables.c; unknown options are the file system's data. */
#include "oci/parse.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

static int idmap_item(struct pctx *pc, const json_t *v, void *item, void *ctx)
{
	struct spec_idmapping *m = item;
	if (pv_object(pc, v) < 0 || pg_u32(pc, v, "containerID", true, NULL, &m->container_id) < 0 ||
	    pg_u32(pc, v, "hostID", true, NULL, &m->host_id) < 0 || pg_u32(pc, v, "size", true, NULL, &m->size) < 0)
		return -1;
	if (m->size == 0)
		return pc_fail_at(pc, "size", "an id mapping of size 0 maps nothing");
	/* Ranges past 2^32 wrap in the kernel's u32 arithmetic: refuse them here. */
	if ((uint64_t)m->container_id + m->size > 1ULL << 32 || (uint64_t)m->host_id + m->size > 1ULL << 32)
		return pc_fail(pc, "id range goes past 4294967295");
	return 0;
}

int parse_idmaps(struct pctx *pc, const json_t *obj, const char *key, struct spec_idmapping **out, size_t *n)
{
	return pg_list(pc, obj, key, sizeof(**out), out, n, idmap_item, NULL);
}

/* Apply one option string to m; unknown ones are appended to *data. */
static void apply_option(struct spec_mount *m, const char *opt, char **data)
{
	if (!*opt)
		return; /* "" is no option at all, not an empty one for the file system */
	const struct oci_mountopt *o = oci_mountopt_lookup(opt);
	if (!o) {
		char *d = *data ? xasprintf("%s,%s", *data, opt) : xstrdup(opt);
		free(*data);
		*data = d;
		return;
	}
	switch (o->kind) {
	case MOPT_DEFAULTS:
		break;
	case MOPT_MS_SET:
		m->flags |= o->value;
		m->clear_flags &= ~o->value;
		break;
	case MOPT_MS_CLEAR:
		m->flags &= ~o->value;
		m->clear_flags |= o->value;
		break;
	case MOPT_BIND:
		m->flags |= o->value;
		if (o->value & MS_REC)
			m->rbind = true;
		else
			m->bind = true;
		break;
	case MOPT_PROPAGATION:
		/* The last one wins, as with mount(8): the kernel takes one propagation type per call. */
		m->propagation = o->value;
		break;
	case MOPT_ATTR_SET:
		m->attr_set |= o->value;
		m->attr_clr &= ~o->value;
		m->attr_recursive = true;
		break;
	case MOPT_ATTR_CLEAR:
		m->attr_clr |= o->value;
		m->attr_set &= ~o->value;
		m->attr_recursive = true;
		break;
	case MOPT_ATIME_MODE:
		/* mount_setattr wants the whole atime field cleared when one mode is set. */
		m->attr_clr |= MOUNT_ATTR__ATIME;
		m->attr_set = (m->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | o->value;
		m->attr_recursive = true;
		break;
	case MOPT_TMPCOPYUP:
		m->tmpcopyup = true;
		break;
	case MOPT_IDMAP:
		m->idmap = true;
		break;
	case MOPT_RIDMAP:
		m->ridmap = true;
		break;
	}
}

static int copy_idmaps(struct pctx *pc, const json_t *v, const char *key, struct spec_idmap **out, size_t *n)
{
	struct spec_idmapping *tmp = NULL;
	size_t cnt = 0;
	int r = parse_idmaps(pc, v, key, &tmp, &cnt);
	if (tmp) {
		*out = xcalloc(cnt + 1, sizeof(**out));
		for (size_t i = 0; i < cnt; i++)
			(*out)[i] = (struct spec_idmap){ tmp[i].container_id, tmp[i].host_id, tmp[i].size };
		*n = cnt;
		free(tmp);
	}
	return r;
}

int parse_mount(struct pctx *pc, const json_t *v, struct spec_mount *m)
{
	if (pv_object(pc, v) < 0)
		return -1;
	char *dest = NULL;
	if (pg_str(pc, v, "destination", true, &dest) < 0)
		return -1;
	if (!dest[0]) {
		free(dest);
		return pc_fail_at(pc, "destination", "empty destination");
	}
	/* Relative destinations are deprecated but valid: relative to "/". The runtime sees absolute ones. */
	m->destination = dest[0] == '/' ? dest : xasprintf("/%s", dest);
	if (m->destination != dest)
		free(dest);
	if (pg_str(pc, v, "source", false, &m->source) < 0 || pg_str(pc, v, "type", false, &m->type) < 0 ||
	    pg_str_array(pc, v, "options", false, &m->options, &m->n_options) < 0)
		return -1;
	for (size_t i = 0; i < m->n_options; i++)
		apply_option(m, m->options[i], &m->data);
	if (copy_idmaps(pc, v, "uidMappings", &m->uid_mappings, &m->n_uid_mappings) < 0 ||
	    copy_idmaps(pc, v, "gidMappings", &m->gid_mappings, &m->n_gid_mappings) < 0)
		return -1;
	if (!m->n_uid_mappings != !m->n_gid_mappings)
		return pc_fail(pc, "uidMappings and gidMappings must be given together");
	return 0;
}

void free_mount(struct spec_mount *m)
{
	free(m->destination);
	free(m->source);
	free(m->type);
	free_strv(m->options, m->n_options);
	free(m->data);
	free(m->uid_mappings);
	free(m->gid_mappings);
}
