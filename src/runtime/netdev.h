/* netdev.h — linux.netDevices (runtime-spec 1.3): existing network devices of the runtime's network
 * namespace moved into the container's, renamed if asked, with their permanent global addresses kept and
 * their link up. Raw rtnetlink (hullrt is static; it needs no more than a few messages).
 *
 * It never creates, configures or deletes a device, and never moves one back: the kernel returns physical
 * devices to the initial namespace (and destroys virtual ones) when the container's namespace goes, as the
 * spec says. Only when a create fails halfway does it move back what it had moved.
 */
#ifndef HULL_RUNTIME_NETDEV_H
#define HULL_RUNTIME_NETDEV_H

#include "oci/spec.h"
#include "util/err.h"

/* Move the devices into the network namespace open at netns_fd. Checked first, for every device, before
 * any moves: it exists here, and its new name is free there (unless the name is a "%d" template). */
int netdev_move_all(const struct spec_net_device *devs, size_t n, int netns_fd, struct hull_err **err);

#endif
