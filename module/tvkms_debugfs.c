// SPDX-License-Identifier: GPL-2.0+
/*
 * /sys/kernel/debug/tvkms/<card>/: the fault knobs, the
 * VBLANK and composer statistics, the composer delay, and one hotplug
 * control per connector (README.md).
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_file.h>

#include <drm/drm_print.h>

#include "tvkms_drv.h"

static struct dentry *tvkms_debugfs_root;

static int tvkms_faults_seq_show(struct seq_file *m, void *unused)
{
	struct tvkms_device *tdev = m->private;
	char buf[512];

	tvkms_faults_show(tdev, buf, sizeof(buf));
	seq_puts(m, buf);
	return 0;
}

static int tvkms_faults_open(struct inode *inode, struct file *file)
{
	return single_open(file, tvkms_faults_seq_show, inode->i_private);
}

/* Copy one user line (without its newline) into a NUL-ended buffer. */
static int tvkms_debugfs_get_line(const char __user *ubuf, size_t len,
				  char *buf, size_t size)
{
	if (len == 0 || len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	return 0;
}

static ssize_t tvkms_faults_write_file(struct file *file,
				       const char __user *ubuf, size_t len,
				       loff_t *ppos)
{
	struct tvkms_device *tdev =
		((struct seq_file *)file->private_data)->private;
	char buf[64];
	int ret;

	ret = tvkms_debugfs_get_line(ubuf, len, buf, sizeof(buf));
	if (ret)
		return ret;
	ret = tvkms_faults_write(tdev, buf);
	return ret ? ret : len;
}

static const struct file_operations tvkms_faults_fops = {
	.owner = THIS_MODULE,
	.open = tvkms_faults_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = tvkms_faults_write_file,
	.release = single_release,
};

static int tvkms_vblank_seq_show(struct seq_file *m, void *unused)
{
	struct tvkms_device *tdev = m->private;
	unsigned int i;

	for (i = 0; i < tdev->config.crtcs; i++) {
		struct tvkms_vblank *vbl = &tdev->crtcs[i].vblank;
		u64 frame_ns, delivered, overruns, missed, dropped, late;
		unsigned long flags;
		bool enabled;

		spin_lock_irqsave(&vbl->lock, flags);
		enabled = vbl->enabled;
		frame_ns = vbl->frame_duration_ns;
		delivered = vbl->delivered;
		overruns = vbl->overruns;
		missed = vbl->missed_frames;
		dropped = vbl->dropped;
		late = vbl->max_lateness_ns;
		spin_unlock_irqrestore(&vbl->lock, flags);
		seq_printf(m,
			   "crtc%u enabled=%d frame_duration_ns=%llu delivered=%llu overruns=%llu missed_frames=%llu dropped=%llu max_lateness_ns=%llu\n",
			   i, enabled, frame_ns, delivered, overruns, missed,
			   dropped, late);
	}
	return 0;
}

static int tvkms_vblank_open(struct inode *inode, struct file *file)
{
	return single_open(file, tvkms_vblank_seq_show, inode->i_private);
}

static const struct file_operations tvkms_vblank_fops = {
	.owner = THIS_MODULE,
	.open = tvkms_vblank_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static int tvkms_composer_seq_show(struct seq_file *m, void *unused)
{
	struct tvkms_device *tdev = m->private;
	unsigned int i;

	for (i = 0; i < tdev->config.crtcs; i++) {
		struct tvkms_composer *c = &tdev->crtcs[i].composer;
		u64 composed, missed, entries, refused, writebacks, late, last_ns;
		u64 max_ns;
		unsigned int layers, wb_pending;
		unsigned long flags;
		bool crc;

		spin_lock_irqsave(&c->lock, flags);
		crc = c->crc_enabled;
		layers = c->frame ? c->frame->layer_count : 0;
		wb_pending = c->wb_pending;
		composed = c->composed;
		missed = c->missed;
		entries = c->crc_entries;
		refused = c->crc_refused;
		writebacks = c->writebacks;
		late = c->writebacks_late;
		last_ns = c->last_ns;
		max_ns = c->max_ns;
		spin_unlock_irqrestore(&c->lock, flags);
		seq_printf(m,
			   "crtc%u crc=%d layers=%u wb_pending=%u composed=%llu missed=%llu crc_entries=%llu crc_refused=%llu writebacks=%llu writebacks_late=%llu last_ns=%llu max_ns=%llu\n",
			   i, crc, layers, wb_pending, composed, missed, entries,
			   refused, writebacks, late, last_ns, max_ns);
	}
	return 0;
}

static int tvkms_composer_open(struct inode *inode, struct file *file)
{
	return single_open(file, tvkms_composer_seq_show, inode->i_private);
}

static const struct file_operations tvkms_composer_fops = {
	.owner = THIS_MODULE,
	.open = tvkms_composer_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static int tvkms_connector_seq_show(struct seq_file *m, void *unused)
{
	struct tvkms_output *output = m->private;

	seq_puts(m, READ_ONCE(output->connected) ? "connected\n" :
						   "disconnected\n");
	return 0;
}

static int tvkms_connector_open(struct inode *inode, struct file *file)
{
	return single_open(file, tvkms_connector_seq_show, inode->i_private);
}

static ssize_t tvkms_connector_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	struct tvkms_output *output =
		((struct seq_file *)file->private_data)->private;
	char buf[32], *word;
	int ret;

	ret = tvkms_debugfs_get_line(ubuf, len, buf, sizeof(buf));
	if (ret)
		return ret;
	word = strim(buf);
	if (!strcmp(word, "connected")) {
		tvkms_output_set_connected(output, true);
	} else if (!strcmp(word, "disconnected")) {
		tvkms_output_set_connected(output, false);
	} else {
		pr_info("tvkms: connector: unknown status '%s'\n", word);
		return -EINVAL;
	}
	return len;
}

static const struct file_operations tvkms_connector_fops = {
	.owner = THIS_MODULE,
	.open = tvkms_connector_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = tvkms_connector_write,
	.release = single_release,
};

void tvkms_debugfs_init(struct tvkms_device *tdev)
{
	char name[32];
	unsigned int i;

	if (!tvkms_debugfs_root)
		return;
	tdev->debugfs_dir = debugfs_create_dir(tdev->base.primary->kdev ?
					       dev_name(tdev->base.primary->kdev) :
					       "card", tvkms_debugfs_root);
	debugfs_create_file("faults", 0600, tdev->debugfs_dir, tdev,
			    &tvkms_faults_fops);
	debugfs_create_file("vblank", 0444, tdev->debugfs_dir, tdev,
			    &tvkms_vblank_fops);
	debugfs_create_file("composer", 0444, tdev->debugfs_dir, tdev,
			    &tvkms_composer_fops);
	debugfs_create_u32("composer_delay_us", 0600, tdev->debugfs_dir,
			   &tdev->composer_delay_us);
	for (i = 0; i < tdev->config.crtcs; i++) {
		snprintf(name, sizeof(name), "connector-%u",
			 i);
		debugfs_create_file(name, 0600, tdev->debugfs_dir,
				    &tdev->crtcs[i].output,
				    &tvkms_connector_fops);
	}
}

void tvkms_debugfs_fini(struct tvkms_device *tdev)
{
	debugfs_remove_recursive(tdev->debugfs_dir);
	tdev->debugfs_dir = NULL;
}

void tvkms_debugfs_module_init(void)
{
	tvkms_debugfs_root = debugfs_create_dir(TVKMS_NAME, NULL);
	if (IS_ERR(tvkms_debugfs_root))
		tvkms_debugfs_root = NULL;
}

void tvkms_debugfs_module_exit(void)
{
	debugfs_remove_recursive(tvkms_debugfs_root);
	tvkms_debugfs_root = NULL;
}
