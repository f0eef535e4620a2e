// SPDX-License-Identifier: GPL-2.0+
/*
 * Fault knobs that break DRM commit rules on purpose,
 * named after the kmstrace checker rules (bpf/kmstrace_event.h). A knob
 * with value N > 0 fires on every Nth eligible event counted from the
 * moment it was set; vblank-jitter's value is a delay bound in ns instead,
 * commit-stall's a hold of each commit's hw_done in ms.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <drm/drm_atomic.h>
#include <drm/drm_print.h>

#include "tvkms_drv.h"

static const char *const tvkms_fault_names[KMST_RULE_COUNT] =
	KMST_RULE_NAMES_INIT;

struct tvkms_held_state {
	struct list_head link;
	struct drm_atomic_state *state;
};

unsigned long tvkms_fault_value(struct tvkms_device *tdev, enum kmst_rule rule)
{
	return READ_ONCE(tdev->faults.value[rule]);
}

/* IRQ-safe: called from the VBLANK hrtimer too. */
bool tvkms_fault_fires(struct tvkms_device *tdev, enum kmst_rule rule)
{
	unsigned long every = tvkms_fault_value(tdev, rule);

	if (!every)
		return false;
	/* Their values are a delay bound (ns) and a stall (ms), not a period. */
	if (rule == KMST_RULE_VBLANK_JITTER || rule == KMST_RULE_COMMIT_STALL)
		return true;
	return (unsigned int)atomic_inc_return(&tdev->faults.seen[rule]) %
		       every == 0;
}

/* state-leak: keep one more reference until the knob is cleared. */
void tvkms_faults_hold_state(struct tvkms_device *tdev,
			     struct drm_atomic_state *state)
{
	struct tvkms_faults *faults = &tdev->faults;
	struct tvkms_held_state *held;

	held = kzalloc(sizeof(*held), GFP_KERNEL);
	if (!held)
		return;
	mutex_lock(&faults->lock);
	if (faults->held_count >= TVKMS_HELD_STATES_MAX) {
		mutex_unlock(&faults->lock);
		kfree(held);
		drm_dbg(&tdev->base, "state-leak: %u states held already\n",
			TVKMS_HELD_STATES_MAX);
		return;
	}
	held->state = drm_atomic_state_get(state);
	list_add_tail(&held->link, &faults->held_states);
	faults->held_count++;
	mutex_unlock(&faults->lock);
}

void tvkms_faults_release_states(struct tvkms_device *tdev)
{
	struct tvkms_faults *faults = &tdev->faults;
	struct tvkms_held_state *held, *next;
	LIST_HEAD(release);

	mutex_lock(&faults->lock);
	list_splice_init(&faults->held_states, &release);
	faults->held_count = 0;
	mutex_unlock(&faults->lock);

	list_for_each_entry_safe(held, next, &release, link) {
		drm_atomic_state_put(held->state);
		kfree(held);
	}
}

static void tvkms_fault_set(struct tvkms_device *tdev, enum kmst_rule rule,
			    unsigned long value)
{
	atomic_set(&tdev->faults.seen[rule], 0);
	WRITE_ONCE(tdev->faults.value[rule], value);
}

void tvkms_faults_clear(struct tvkms_device *tdev)
{
	int rule;

	for (rule = 1; rule < KMST_RULE_COUNT; rule++)
		tvkms_fault_set(tdev, rule, 0);
	tvkms_faults_release_states(tdev);
}

ssize_t tvkms_faults_show(struct tvkms_device *tdev, char *buf, size_t size)
{
	size_t len = 0;
	int rule;

	for (rule = 1; rule < KMST_RULE_COUNT; rule++)
		len += scnprintf(buf + len, size - len, "%s=%lu\n",
				 tvkms_fault_names[rule],
				 tvkms_fault_value(tdev, rule));
	return len;
}

/* One line: "none", "NAME" (= 1) or "NAME=VALUE" (decimal). */
int tvkms_faults_write(struct tvkms_device *tdev, const char *line)
{
	char buf[64], *name, *value_str;
	unsigned long value = 1;
	int rule;

	if (strscpy(buf, line, sizeof(buf)) < 0) {
		pr_info("tvkms: faults: line too long\n");
		return -EINVAL;
	}
	name = strim(buf);
	if (!strcmp(name, "none")) {
		tvkms_faults_clear(tdev);
		return 0;
	}
	value_str = strchr(name, '=');
	if (value_str) {
		*value_str++ = '\0';
		if (kstrtoul(value_str, 10, &value)) {
			pr_info("tvkms: faults: bad value '%s' for '%s'\n",
				value_str, name);
			return -EINVAL;
		}
	}
	for (rule = 1; rule < KMST_RULE_COUNT; rule++) {
		if (strcmp(name, tvkms_fault_names[rule]))
			continue;
		mutex_lock(&tdev->faults.lock);
		tvkms_fault_set(tdev, rule, value);
		mutex_unlock(&tdev->faults.lock);
		if (rule == KMST_RULE_STATE_LEAK && !value)
			tvkms_faults_release_states(tdev);
		return 0;
	}
	pr_info("tvkms: faults: unknown knob '%s'\n", name);
	return -EINVAL;
}

int tvkms_faults_init(struct tvkms_device *tdev)
{
	struct tvkms_faults *faults = &tdev->faults;

	mutex_init(&faults->lock);
	INIT_LIST_HEAD(&faults->held_states);
	faults->deferred_wq = alloc_workqueue("tvkms-deferred", WQ_UNBOUND, 0);
	if (!faults->deferred_wq)
		return -ENOMEM;
	return 0;
}

/* Device teardown: clear every knob and let go of everything held. */
void tvkms_faults_fini(struct tvkms_device *tdev)
{
	tvkms_faults_clear(tdev);
	flush_workqueue(tdev->faults.deferred_wq);
}
