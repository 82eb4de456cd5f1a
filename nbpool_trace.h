/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints for watching pools live (perf trace -e 'nbpool:*',
 * trace-cmd record -e nbpool).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM nbpool

#if !defined(_NBPOOL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _NBPOOL_TRACE_H

#include <linux/tracepoint.h>
#include "nbpool_compat.h"

TRACE_EVENT(nbpool_create,
	TP_PROTO(const char *name, unsigned int buffers, unsigned int packets,
		 unsigned int buffer_size, unsigned int pages, unsigned int order),
	TP_ARGS(name, buffers, packets, buffer_size, pages, order),
	TP_STRUCT__entry(
		__string(name, name)
		__field(unsigned int, buffers)
		__field(unsigned int, packets)
		__field(unsigned int, buffer_size)
		__field(unsigned int, pages)
		__field(unsigned int, order)
	),
	TP_fast_assign(
		nbpool_assign_str(name, name);
		__entry->buffers = buffers;
		__entry->packets = packets;
		__entry->buffer_size = buffer_size;
		__entry->pages = pages;
		__entry->order = order;
	),
	TP_printk("pool=%s buffers=%u packets=%u buffer_size=%u pages=%u order=%u",
		  __get_str(name), __entry->buffers, __entry->packets,
		  __entry->buffer_size, __entry->pages, __entry->order)
);

TRACE_EVENT(nbpool_destroy,
	TP_PROTO(const char *name, unsigned int out),
	TP_ARGS(name, out),
	TP_STRUCT__entry(
		__string(name, name)
		__field(unsigned int, out)
	),
	TP_fast_assign(
		nbpool_assign_str(name, name);
		__entry->out = out;
	),
	TP_printk("pool=%s buffers_out=%u", __get_str(name), __entry->out)
);

TRACE_EVENT(nbpool_exhausted,
	TP_PROTO(const char *name, unsigned int wanted, unsigned int buffers_free,
		 unsigned int packets_free),
	TP_ARGS(name, wanted, buffers_free, packets_free),
	TP_STRUCT__entry(
		__string(name, name)
		__field(unsigned int, wanted)
		__field(unsigned int, buffers_free)
		__field(unsigned int, packets_free)
	),
	TP_fast_assign(
		nbpool_assign_str(name, name);
		__entry->wanted = wanted;
		__entry->buffers_free = buffers_free;
		__entry->packets_free = packets_free;
	),
	TP_printk("pool=%s missing=%u buffers_free=%u packets_free=%u",
		  __get_str(name), __entry->wanted, __entry->buffers_free,
		  __entry->packets_free)
);

TRACE_EVENT(nbpool_rx_copy,
	TP_PROTO(const char *name, unsigned int buffers_free, unsigned int watermark),
	TP_ARGS(name, buffers_free, watermark),
	TP_STRUCT__entry(
		__string(name, name)
		__field(unsigned int, buffers_free)
		__field(unsigned int, watermark)
	),
	TP_fast_assign(
		nbpool_assign_str(name, name);
		__entry->buffers_free = buffers_free;
		__entry->watermark = watermark;
	),
	TP_printk("pool=%s buffers_free=%u watermark=%u", __get_str(name),
		  __entry->buffers_free, __entry->watermark)
);

#endif /* _NBPOOL_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE nbpool_trace
#include <trace/define_trace.h>
