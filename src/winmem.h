/*
 * winmem.h - the winmem core library: thin, honest wrappers over the Win32 memory APIs.
 *
 * Include this one header to get every module. Each module header says what it wraps and
 * which Win32 rules it checks; every function returns ERROR_SUCCESS or a Win32 error code
 * (see wm_error.h for the error model).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINMEM_H
#define WINMEM_H

#include "wm_arena.h"
#include "wm_commit_on_demand.h"
#include "wm_diagnostics.h"
#include "wm_error.h"
#include "wm_heap.h"
#include "wm_large_pages.h"
#include "wm_mapped_files.h"
#include "wm_process.h"
#include "wm_protection.h"
#include "wm_ring.h"
#include "wm_shared_memory.h"
#include "wm_system.h"
#include "wm_virtual_alloc.h"
#include "wm_virtual_memory.h"

#endif /* WINMEM_H */
