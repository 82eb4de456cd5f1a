/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where nbpool bridges kernel versions. Kbuild probes the
 * target kernel's headers and passes NBPOOL_HAVE_* flags; nothing else in
 * the tree looks at version numbers. Supported: 6.1, 6.12, 7.2 and 7.3.
 */
#ifndef _NBPOOL_COMPAT_H
#define _NBPOOL_COMPAT_H

#include <linux/mm_types.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#ifdef NBPOOL_HAVE_PAGE_POOL_HELPERS_H	/* 6.6+: page_pool.h was split */
#include <net/page_pool/helpers.h>
#else
#include <net/page_pool.h>
#endif

/*
 * Is the caller running as @napi's poll on this CPU (so that nothing else
 * can run the pool's fast path concurrently)? Needs napi->list_owner
 * (6.2+); without it every call takes the pool lock.
 */
static inline bool nbpool_napi_local(const struct napi_struct *napi)
{
#ifdef NBPOOL_HAVE_NAPI_LIST_OWNER
	/* One read of the preempt count: in softirq and not in a hardirq or NMI. */
	unsigned int pc = preempt_count();

	return (pc & SOFTIRQ_MASK) && !(pc & (HARDIRQ_MASK | NMI_MASK)) &&
	       READ_ONCE(napi->list_owner) == smp_processor_id();
#else
	return false;
#endif
}

/*
 * Initialiser for a napi that is never scheduled, so no CPU ever owns it;
 * and whether a pool's napi can own its cache at all.
 */
#ifdef NBPOOL_HAVE_NAPI_LIST_OWNER
#define NBPOOL_NAPI_UNOWNED	{ .list_owner = -1 }
#define NBPOOL_NAPI_CAN_OWN	true
#else
#define NBPOOL_NAPI_UNOWNED	{ }
#define NBPOOL_NAPI_CAN_OWN	false
#endif

/* 6.10 dropped __assign_str()'s source argument (it is taken from __string()). */
#ifdef NBPOOL_HAVE_ASSIGN_STR_ONE_ARG
#define nbpool_assign_str(field, src)	do { (void)(src); __assign_str(field); } while (0)
#else
#define nbpool_assign_str(field, src)	__assign_str(field, src)
#endif

/* 6.13 added hrtimer_setup(); 7.x removed hrtimer_init() (the tests' timers). */
#ifdef NBPOOL_HAVE_HRTIMER_SETUP
#define nbpool_hrtimer_setup(timer, fn, clock, mode)	hrtimer_setup(timer, fn, clock, mode)
#else
#define nbpool_hrtimer_setup(timer, fn, clock, mode)	\
	do { hrtimer_init(timer, clock, mode); (timer)->function = (fn); } while (0)
#endif

/* 6.5 added skb_frag_fill_page_desc(); 7.x removed __skb_frag_set_page(). */
#ifdef NBPOOL_HAVE_SKB_FRAG_FILL_PAGE_DESC
#define nbpool_skb_frag_fill(frag, page, off, size)	skb_frag_fill_page_desc(frag, page, off, size)
#else
static inline void nbpool_skb_frag_fill(skb_frag_t *frag, struct page *page,
					unsigned int off, unsigned int size)
{
	__skb_frag_set_page(frag, page);
	skb_frag_off_set(frag, off);
	skb_frag_size_set(frag, size);
}
#endif

/* 6.2 added the truesize of an XDP frame's fragments to skb_shared_info. */
#ifdef NBPOOL_HAVE_XDP_FRAGS_TRUESIZE
#define nbpool_xdp_frags_truesize_set(sinfo, size)	((sinfo)->xdp_frags_truesize = (size))
#else
#define nbpool_xdp_frags_truesize_set(sinfo, size)	do { (void)(sinfo); (void)(size); } while (0)
#endif

/*
 * 6.8 lists each page_pool under its net_device for netlink's page-pool-get
 * (ynl, the kernel's own tools). The NAPI is named too from 6.9, which can
 * untie a page_pool from its NAPI before the NAPI goes: the pool's
 * page_pool may outlive it (pages still in skbs). A NAPI enabled now is
 * left out: page_pool_destroy() on a failed create would warn about it.
 */
static inline void nbpool_pp_params_link(struct page_pool_params *ppp, struct net_device *netdev,
					 struct napi_struct *napi)
{
#ifdef NBPOOL_HAVE_PP_NETDEV
	ppp->netdev = netdev;
#endif
#ifdef NBPOOL_HAVE_PP_UNLINK_NAPI
	if (napi && test_bit(NAPI_STATE_SCHED, &napi->state))
		ppp->napi = napi;
#endif
}

/* Untie @pp from its NAPI (which must be disabled) while the NAPI still exists. */
static inline void nbpool_pp_unlink_napi(struct page_pool *pp)
{
#ifdef NBPOOL_HAVE_PP_UNLINK_NAPI
	page_pool_disable_direct_recycling(pp);
#endif
}

/* 6.9: drivers may report per-queue statistics (netdev->stat_ops). */
#ifdef NBPOOL_HAVE_NETDEV_STAT_OPS
#include <net/netdev_queues.h>
#endif

/*
 * 6.3: a driver declares the XDP actions it carries out (xdp_features); a
 * redirect to a device that does not declare NDO_XMIT is refused. Before,
 * ndo_bpf and ndo_xdp_xmit said it. This declares all of them: every
 * verdict, multi-buffer frames both ways, and ndo_xdp_xmit.
 */
#ifdef NBPOOL_HAVE_XDP_FEATURES
#include <net/xdp.h>
#endif
static inline void nbpool_xdp_features_all(struct net_device *dev)
{
#ifdef NBPOOL_HAVE_XDP_FEATURES
	xdp_set_features_flag(dev, NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT |
			      NETDEV_XDP_ACT_RX_SG | NETDEV_XDP_ACT_NDO_XMIT |
			      NETDEV_XDP_ACT_NDO_XMIT_SG);
#endif
}

/* 6.9 upstream (Debian's 6.1 has it backported): a local the code writes in full. */
#ifndef __uninitialized
#define __uninitialized
#endif

#endif /* _NBPOOL_COMPAT_H */
