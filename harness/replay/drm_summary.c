// SPDX-License-Identifier: GPL-2.0
/*
 * The device summary of `kmstrace list --device`: what a newcomer needs to
 * read a trace of this device (which CRTCs, which planes on them and how
 * many formats each takes, which connectors with which modes), in a screen
 * rather than drm_info's full tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "common/json.h"
#include "common/log.h"
#include "replay/drm_summary.h"

/* The plane's "type" property as a word; "?" when the driver has none. */
static const char *plane_type(int fd, uint32_t plane_id)
{
	drmModeObjectPropertiesPtr props;
	const char *type = "?";
	uint32_t i;

	props = drmModeObjectGetProperties(fd, plane_id, DRM_MODE_OBJECT_PLANE);
	if (!props)
		return type;
	for (i = 0; i < props->count_props; i++) {
		drmModePropertyPtr prop = drmModeGetProperty(fd, props->props[i]);
		bool is_type;

		if (!prop)
			continue;
		is_type = strcmp(prop->name, "type") == 0;
		drmModeFreeProperty(prop);
		if (!is_type)
			continue;
		switch (props->prop_values[i]) {
		case DRM_PLANE_TYPE_PRIMARY:
			type = "primary";
			break;
		case DRM_PLANE_TYPE_CURSOR:
			type = "cursor";
			break;
		default:
			type = "overlay";
		}
		break;
	}
	drmModeFreeObjectProperties(props);
	return type;
}

/* Bit i of possible_crtcs is CRTC index i: "0,1". */
static void print_crtc_mask(FILE *out, uint32_t mask)
{
	bool first = true;
	int i;

	for (i = 0; i < 32; i++) {
		if (!(mask & (1u << i)))
			continue;
		fprintf(out, "%s%d", first ? "" : ",", i);
		first = false;
	}
	if (first)
		fprintf(out, "-");
}

static const drmModeModeInfo *preferred_mode(const drmModeConnector *conn)
{
	int i;

	for (i = 0; i < conn->count_modes; i++)
		if (conn->modes[i].type & DRM_MODE_TYPE_PREFERRED)
			return &conn->modes[i];
	return conn->count_modes ? &conn->modes[0] : NULL;
}

static const char *status_name(drmModeConnection status)
{
	switch (status) {
	case DRM_MODE_CONNECTED:
		return "connected";
	case DRM_MODE_DISCONNECTED:
		return "disconnected";
	default:
		return "unknown";
	}
}

static void print_crtcs(int fd, const drmModeRes *res, bool json, FILE *out)
{
	int i;

	if (json)
		fputs("\"crtcs\":[", out);
	for (i = 0; i < res->count_crtcs; i++) {
		drmModeCrtcPtr crtc = drmModeGetCrtc(fd, res->crtcs[i]);
		bool on = crtc && crtc->mode_valid;

		if (json) {
			fprintf(out, "%s{\"index\":%d,\"id\":%u,\"active\":%s", i ? "," : "", i,
				res->crtcs[i], on ? "true" : "false");
			if (on)
				fprintf(out, ",\"mode\":\"%s\",\"refresh\":%u", crtc->mode.name,
					crtc->mode.vrefresh);
			fprintf(out, "}");
		} else if (on) {
			fprintf(out, "  crtc %d (id %u)  %s@%u\n", i, res->crtcs[i], crtc->mode.name,
				crtc->mode.vrefresh);
		} else {
			fprintf(out, "  crtc %d (id %u)  off\n", i, res->crtcs[i]);
		}
		drmModeFreeCrtc(crtc);
	}
	if (json)
		fputs("]", out);
}

static int print_planes(int fd, const char *device, bool json, FILE *out)
{
	drmModePlaneResPtr planes = drmModeGetPlaneResources(fd);
	bool first = true;
	uint32_t i;

	if (!planes) {
		kmst_err("%s: cannot list planes: %s", device, strerror(errno));
		return -1;
	}
	if (json)
		fputs(",\"planes\":[", out);
	for (i = 0; i < planes->count_planes; i++) {
		drmModePlanePtr plane = drmModeGetPlane(fd, planes->planes[i]);

		if (!plane)
			continue;
		if (json) {
			fprintf(out, "%s{\"id\":%u,\"type\":\"%s\",\"possible_crtcs\":%u,\"formats\":%u}",
				first ? "" : ",", plane->plane_id, plane_type(fd, plane->plane_id),
				plane->possible_crtcs, plane->count_formats);
		} else {
			fprintf(out, "  plane %-4u %-8s crtcs ", plane->plane_id,
				plane_type(fd, plane->plane_id));
			print_crtc_mask(out, plane->possible_crtcs);
			fprintf(out, "  %u formats\n", plane->count_formats);
		}
		drmModeFreePlane(plane);
		first = false;
	}
	if (json)
		fputs("]", out);
	drmModeFreePlaneResources(planes);
	return 0;
}

static void print_connectors(int fd, const drmModeRes *res, bool json, FILE *out)
{
	bool first = true;
	int i;

	if (json)
		fputs(",\"connectors\":[", out);
	for (i = 0; i < res->count_connectors; i++) {
		drmModeConnectorPtr conn = drmModeGetConnector(fd, res->connectors[i]);
		const char *type_name;
		const drmModeModeInfo *mode;

		if (!conn)
			continue;
		type_name = drmModeGetConnectorTypeName(conn->connector_type);
		mode = preferred_mode(conn);
		if (json) {
			fprintf(out, "%s{\"id\":%u,\"name\":\"%s-%u\",\"status\":\"%s\",\"modes\":%d",
				first ? "" : ",", conn->connector_id, type_name ? type_name : "Unknown",
				conn->connector_type_id, status_name(conn->connection), conn->count_modes);
			if (mode)
				fprintf(out, ",\"preferred\":\"%s@%u\"", mode->name, mode->vrefresh);
			fprintf(out, "}");
		} else {
			fprintf(out, "  connector %s-%u (id %u)  %s, %d modes", type_name ? type_name : "Unknown",
				conn->connector_type_id, conn->connector_id, status_name(conn->connection),
				conn->count_modes);
			if (mode)
				fprintf(out, ", preferred %s@%u", mode->name, mode->vrefresh);
			fprintf(out, "\n");
		}
		drmModeFreeConnector(conn);
		first = false;
	}
	if (json)
		fputs("]", out);
}

int kmst_drm_summary(const char *device, bool json, FILE *out)
{
	drmVersionPtr version = NULL;
	drmModeResPtr res = NULL;
	int fd, ret = -1;

	fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		kmst_err("%s: cannot open: %s", device, strerror(errno));
		return -1;
	}
	/* Without these the cursor and overlays, and writeback, stay hidden. */
	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1);
	drmSetClientCap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1);
	version = drmGetVersion(fd);
	res = drmModeGetResources(fd);
	if (!version || !res) {
		kmst_err("%s: not a KMS device: %s", device, strerror(errno));
		goto out_free;
	}
	if (json) {
		fprintf(out, "{\"device\":");
		kmst_json_string(out, device);
		fprintf(out, ",\"driver\":");
		kmst_json_string(out, version->name);
		fprintf(out, ",");
	} else {
		fprintf(out, "%s: %s, %d CRTCs, %d connectors, %d encoders\n", device, version->name,
			res->count_crtcs, res->count_connectors, res->count_encoders);
	}
	print_crtcs(fd, res, json, out);
	if (print_planes(fd, device, json, out))
		goto out_free;
	print_connectors(fd, res, json, out);
	if (json)
		fprintf(out, "}\n");
	ret = 0;
out_free:
	drmModeFreeResources(res);
	drmFreeVersion(version);
	close(fd);
	return ret;
}
