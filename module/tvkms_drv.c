// SPDX-License-Identifier: GPL-2.0+
/*
 * Module parameters, the platform device the DRM device
 * hangs off, mode_config, and device setup/teardown (unbind = hot unplug).
 */
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/uaccess.h>

#include <drm/drm_atomic_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_vblank.h>

#include "tvkms_compat.h"
#include "tvkms_drv.h"

#define TVKMS_DESC "Traceable virtual KMS driver"
/* The DKMS package version too (module/dkms.conf). */
#define TVKMS_VERSION "0.1.0"

static unsigned int crtcs = 1;
module_param(crtcs, uint, 0444);
MODULE_PARM_DESC(crtcs, "Number of CRTCs, each with its own connector (1-4)");

static unsigned int overlays = 1;
module_param(overlays, uint, 0444);
MODULE_PARM_DESC(overlays, "Overlay planes per CRTC (0-8)");

static bool cursor = true;
module_param(cursor, bool, 0444);
MODULE_PARM_DESC(cursor, "A cursor plane per CRTC");

static bool writeback = true;
module_param(writeback, bool, 0444);
MODULE_PARM_DESC(writeback, "A writeback connector per CRTC");

static unsigned int refresh = 60;
module_param(refresh, uint, 0444);
MODULE_PARM_DESC(refresh, "Refresh rate of the preferred modes, Hz (1-1000)");

static bool fbdev;
module_param(fbdev, bool, 0444);
MODULE_PARM_DESC(fbdev, "Set up fbdev emulation");

static struct platform_device *tvkms_pdev;

/*
 * Mark a TEST_ONLY atomic ioctl so atomic_check can tell it from a real
 * commit; only while the test-only-commits knob is set.
 */
static long tvkms_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct drm_file *file_priv = filp->private_data;
	struct tvkms_device *tdev = to_tvkms_device(file_priv->minor->dev);
	struct drm_mode_atomic req;
	bool test_only = false;
	long ret;

	if (cmd == DRM_IOCTL_MODE_ATOMIC &&
	    tvkms_fault_value(tdev, KMST_RULE_TEST_ONLY_COMMITS) &&
	    !copy_from_user(&req, (void __user *)arg, sizeof(req)))
		test_only = req.flags & DRM_MODE_ATOMIC_TEST_ONLY;
	if (test_only) {
		spin_lock(&tdev->test_only_lock);
		tdev->test_only_task = current;
		spin_unlock(&tdev->test_only_lock);
	}
	ret = drm_ioctl(filp, cmd, arg);
	if (test_only) {
		spin_lock(&tdev->test_only_lock);
		if (tdev->test_only_task == current)
			tdev->test_only_task = NULL;
		spin_unlock(&tdev->test_only_lock);
	}
	return ret;
}

static const struct file_operations tvkms_fops = {
	.owner = THIS_MODULE,
	.open = drm_open,
	.release = drm_release,
	.unlocked_ioctl = tvkms_ioctl,
	.compat_ioctl = drm_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	.mmap = drm_gem_mmap,
	TVKMS_COMPAT_FOP_FLAGS
};

static const struct drm_driver tvkms_driver = {
	.driver_features = DRIVER_MODESET | DRIVER_ATOMIC | DRIVER_GEM,
	.fops = &tvkms_fops,
	DRM_GEM_SHMEM_DRIVER_OPS,
	.name = TVKMS_NAME,
	.desc = TVKMS_DESC,
	.date = "20250101",
	.major = 1,
	.minor = 0,
};

/*
 * Only formats some plane can scan out or the writeback connector can
 * write make a framebuffer (ADDFB2), all linear.
 */
static struct drm_framebuffer *
tvkms_fb_create(struct drm_device *dev, struct drm_file *file,
		const struct drm_mode_fb_cmd2 *cmd)
{
	if (!tvkms_format_supported(cmd->pixel_format) ||
	    ((cmd->flags & DRM_MODE_FB_MODIFIERS) &&
	     cmd->modifier[0] != DRM_FORMAT_MOD_LINEAR)) {
		drm_dbg_kms(dev, "ADDFB2: format %p4cc not supported\n",
			    &cmd->pixel_format);
		return ERR_PTR(-EINVAL);
	}
	return drm_gem_fb_create(dev, file, cmd);
}

static const struct drm_mode_config_funcs tvkms_mode_config_funcs = {
	.fb_create = tvkms_fb_create,
	.atomic_check = tvkms_atomic_check,
	.atomic_commit = tvkms_atomic_commit,
};

static int tvkms_check_params(void)
{
	if (crtcs < 1 || crtcs > TVKMS_MAX_CRTCS) {
		pr_err("tvkms: crtcs=%u out of range 1-%d\n", crtcs,
		       TVKMS_MAX_CRTCS);
		return -EINVAL;
	}
	if (overlays > TVKMS_MAX_OVERLAYS) {
		pr_err("tvkms: overlays=%u out of range 0-%d\n", overlays,
		       TVKMS_MAX_OVERLAYS);
		return -EINVAL;
	}
	if (refresh < 1 || refresh > TVKMS_MAX_REFRESH) {
		pr_err("tvkms: refresh=%u out of range 1-%d\n", refresh,
		       TVKMS_MAX_REFRESH);
		return -EINVAL;
	}
	return 0;
}

static void tvkms_release_workqueues(struct drm_device *dev, void *unused)
{
	struct tvkms_device *tdev = to_tvkms_device(dev);

	destroy_workqueue(tdev->commit_wq);
	destroy_workqueue(tdev->faults.deferred_wq);
}

static int tvkms_modeset_init(struct tvkms_device *tdev)
{
	struct drm_device *dev = &tdev->base;
	unsigned int i;
	int ret;

	ret = drmm_mode_config_init(dev);
	if (ret)
		return ret;
	dev->mode_config.funcs = &tvkms_mode_config_funcs;
	dev->mode_config.min_width = 1;
	dev->mode_config.min_height = 1;
	dev->mode_config.max_width = TVKMS_MAX_FB_SIZE;
	dev->mode_config.max_height = TVKMS_MAX_FB_SIZE;
	dev->mode_config.cursor_width = TVKMS_CURSOR_MAX_SIZE;
	dev->mode_config.cursor_height = TVKMS_CURSOR_MAX_SIZE;
	dev->mode_config.preferred_depth = 24;
	dev->mode_config.normalize_zpos = true;

	/* Connectors first, so connector N is the one of CRTC N. */
	for (i = 0; i < tdev->config.crtcs; i++) {
		ret = tvkms_crtc_init(tdev, i);
		if (ret)
			return ret;
		ret = tvkms_output_init(tdev, &tdev->crtcs[i]);
		if (ret)
			return ret;
	}
	for (i = 0; tdev->config.shared_overlays &&
		    i < tdev->config.overlays; i++) {
		struct drm_plane *plane;

		plane = tvkms_plane_create(tdev, DRM_PLANE_TYPE_OVERLAY,
					   GENMASK(tdev->config.crtcs - 1, 0),
					   i + 1);
		if (IS_ERR(plane))
			return PTR_ERR(plane);
	}
	for (i = 0; tdev->config.writeback && i < tdev->config.crtcs; i++) {
		ret = tvkms_writeback_init(tdev, &tdev->crtcs[i]);
		if (ret)
			return ret;
	}

	ret = drm_vblank_init(dev, tdev->config.crtcs);
	if (ret)
		return ret;
	drm_mode_config_reset(dev);
	return 0;
}

static int tvkms_probe(struct platform_device *pdev)
{
	struct tvkms_device *tdev;
	unsigned int i;
	int ret;

	tdev = devm_drm_dev_alloc(&pdev->dev, &tvkms_driver,
				  struct tvkms_device, base);
	if (IS_ERR(tdev))
		return PTR_ERR(tdev);
	tdev->config = (struct tvkms_config){
		.crtcs = crtcs,
		.overlays = overlays,
		.cursor = cursor,
		.writeback = writeback,
		.refresh = refresh,
		.fbdev = fbdev,
	};
	tdev->config.shared_overlays =
		crtcs * (1 + overlays + cursor) > TVKMS_MAX_PLANES;
	if (tdev->config.shared_overlays)
		drm_info(&tdev->base,
			 "%u CRTCs x %u overlays pass %d planes: overlays shared by all CRTCs\n",
			 crtcs, overlays, TVKMS_MAX_PLANES);
	spin_lock_init(&tdev->test_only_lock);
	mutex_init(&tdev->dry_run_lock);
#ifdef TVKMS_MUTANT_STATE_LEAK_ON_CHECK_ERROR
	mutex_init(&tdev->checking_lock);
#endif
	ret = tvkms_faults_init(tdev);
	if (ret)
		return ret;
	tdev->commit_wq = alloc_workqueue("tvkms-commit", WQ_UNBOUND, 0);
	if (!tdev->commit_wq) {
		destroy_workqueue(tdev->faults.deferred_wq);
		return -ENOMEM;
	}
	ret = drmm_add_action_or_reset(&tdev->base, tvkms_release_workqueues,
				       NULL);
	if (ret)
		return ret;

	ret = tvkms_modeset_init(tdev);
	if (ret) {
		dev_err(&pdev->dev, "failed to set up modesetting: %d\n", ret);
		return ret;
	}
	ret = drm_dev_register(&tdev->base, 0);
	if (ret) {
		dev_err(&pdev->dev, "failed to register: %d\n", ret);
		return ret;
	}
	platform_set_drvdata(pdev, tdev);
	for (i = 0; i < tdev->config.crtcs; i++)
		tvkms_output_probe(&tdev->crtcs[i].output);
	tvkms_debugfs_init(tdev);
	if (tdev->config.fbdev)
		tvkms_compat_fbdev_setup(&tdev->base);
	return 0;
}

/*
 * Unbind and rmmod: unplug first, so open files get -ENODEV from here on,
 * then turn the pipes off (a blocking commit: it waits for the pending
 * ones, whose VBLANKs still run), wait for every commit tail, and only
 * then stop the VBLANK timers, sending what is still armed. The drm_device
 * itself lives on until its last file is closed; nothing of it waits for
 * a VBLANK any more.
 */
static void tvkms_teardown(struct tvkms_device *tdev)
{
	unsigned int i;

	tvkms_debugfs_fini(tdev);
	tvkms_faults_fini(tdev);
	drm_dev_unplug(&tdev->base);
	drm_atomic_helper_shutdown(&tdev->base);
	flush_workqueue(tdev->commit_wq);
#ifdef TVKMS_MUTANT_STATE_LEAK_ON_CHECK_ERROR
	tvkms_checking_release(tdev);
#endif
	for (i = 0; i < tdev->config.crtcs; i++)
		tvkms_crtc_unplug(&tdev->crtcs[i]);
	flush_workqueue(tdev->faults.deferred_wq);
}

static void tvkms_remove(struct platform_device *pdev)
{
	tvkms_teardown(platform_get_drvdata(pdev));
}
TVKMS_COMPAT_DEFINE_REMOVE_INT(tvkms_remove)

static struct platform_driver tvkms_platform_driver = {
	.probe = tvkms_probe,
	.remove = TVKMS_COMPAT_PLATFORM_REMOVE(tvkms_remove),
	.driver = {
		.name = TVKMS_NAME,
	},
};

static int __init tvkms_init(void)
{
	int ret;

	ret = tvkms_check_params();
	if (ret)
		return ret;
	tvkms_debugfs_module_init();
	ret = platform_driver_register(&tvkms_platform_driver);
	if (ret)
		goto err_debugfs;
	tvkms_pdev = platform_device_register_simple(TVKMS_NAME, -1, NULL, 0);
	if (IS_ERR(tvkms_pdev)) {
		ret = PTR_ERR(tvkms_pdev);
		goto err_driver;
	}
	return 0;

err_driver:
	platform_driver_unregister(&tvkms_platform_driver);
err_debugfs:
	tvkms_debugfs_module_exit();
	return ret;
}

static void __exit tvkms_exit(void)
{
	platform_device_unregister(tvkms_pdev);
	platform_driver_unregister(&tvkms_platform_driver);
	tvkms_debugfs_module_exit();
}

module_init(tvkms_init);
module_exit(tvkms_exit);

MODULE_AUTHOR("kmstrace developers");
MODULE_DESCRIPTION(TVKMS_DESC);
MODULE_LICENSE("GPL");
MODULE_VERSION(TVKMS_VERSION);
