/*
 * virtual_memory.c - the address space: query, walk, summarise.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_virtual_memory.h"

#include <string.h>

#include "wm_os.h"
#include "wm_system.h"

static void copy_region(const MEMORY_BASIC_INFORMATION *info, wm_region_t *region)
{
    region->base = (uintptr_t)info->BaseAddress;
    region->size = info->RegionSize;
    region->state = info->State;
    region->protect = info->Protect;
    region->type = info->Type;
    region->allocation_base = (uintptr_t)info->AllocationBase;
    region->allocation_protect = info->AllocationProtect;
}

DWORD wm_space_query(HANDLE process, uintptr_t address, wm_region_t *region)
{
    MEMORY_BASIC_INFORMATION info;
    SIZE_T written = 0;

    if (process == NULL || region == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(&info, 0, sizeof info);
    /* VirtualQueryEx returns the bytes it wrote into info, or 0 on failure. */
    written = wm__os.VirtualQueryEx(process, (LPCVOID)address, &info, sizeof info);
    if (written == 0) {
        return GetLastError();
    }
    copy_region(&info, region);
    return ERROR_SUCCESS;
}

DWORD wm_space_walk(HANDLE process, wm_region_fn visit, void *context)
{
    wm_system_t system;
    wm_region_t region;
    uintptr_t address = 0;
    DWORD error = ERROR_SUCCESS;
    int stop = 0;

    if (process == NULL || visit == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    error = wm_system_query(&system);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    address = system.lowest_address;
    while (address <= system.highest_address) {
        error = wm_space_query(process, address, &region);
        if (error != ERROR_SUCCESS) {
            return error;
        }
        stop = visit(context, &region);
        if (stop) {
            return ERROR_SUCCESS;
        }
        /* A zero-sized region would loop forever; VirtualQuery never reports one, but a
         * walk over another process must not trust that blindly. */
        if (region.size == 0 || region.base + region.size <= address) {
            return ERROR_INVALID_DATA;
        }
        address = region.base + region.size;
    }
    return ERROR_SUCCESS;
}

/* wm_space_walk visitor that adds one region to a wm_space_summary_t. */
static int add_to_summary(void *context, const wm_region_t *region)
{
    wm_space_summary_t *summary = (wm_space_summary_t *)context;

    if (summary->regions == 0) {
        summary->start = region->base;
    } else if (region->base != summary->end) {
        summary->gaps++;
    }
    summary->regions++;
    summary->end = region->base + region->size;
    if (region->state == MEM_FREE) {
        summary->free_bytes += region->size;
        if (region->size > summary->largest_free) {
            summary->largest_free = region->size;
        }
    } else if (region->state == MEM_RESERVE) {
        summary->reserved_bytes += region->size;
    } else if (region->state == MEM_COMMIT) {
        summary->committed_bytes += region->size;
        if (region->type == MEM_IMAGE) {
            summary->committed_image += region->size;
        } else if (region->type == MEM_MAPPED) {
            summary->committed_mapped += region->size;
        } else {
            summary->committed_private += region->size;
        }
    }
    return 0;
}

DWORD wm_space_summarize(HANDLE process, wm_space_summary_t *summary)
{
    if (process == NULL || summary == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(summary, 0, sizeof *summary);
    return wm_space_walk(process, add_to_summary, summary);
}

const char *wm_state_name(DWORD state)
{
    switch (state) {
    case MEM_FREE:
        return "MEM_FREE";
    case MEM_RESERVE:
        return "MEM_RESERVE";
    case MEM_COMMIT:
        return "MEM_COMMIT";
    default:
        return "?";
    }
}

const char *wm_type_name(DWORD type)
{
    switch (type) {
    case 0:
        return "none";
    case MEM_IMAGE:
        return "MEM_IMAGE";
    case MEM_MAPPED:
        return "MEM_MAPPED";
    case MEM_PRIVATE:
        return "MEM_PRIVATE";
    default:
        return "?";
    }
}

const char *wm_protect_name(DWORD protect)
{
    /* The modifiers (PAGE_GUARD, PAGE_NOCACHE, PAGE_WRITECOMBINE) sit above the low byte. */
    switch (protect & 0xFFu) {
    case 0:
        return "0";
    case PAGE_NOACCESS:
        return "PAGE_NOACCESS";
    case PAGE_READONLY:
        return "PAGE_READONLY";
    case PAGE_READWRITE:
        return "PAGE_READWRITE";
    case PAGE_WRITECOPY:
        return "PAGE_WRITECOPY";
    case PAGE_EXECUTE:
        return "PAGE_EXECUTE";
    case PAGE_EXECUTE_READ:
        return "PAGE_EXECUTE_READ";
    case PAGE_EXECUTE_READWRITE:
        return "PAGE_EXECUTE_READWRITE";
    case PAGE_EXECUTE_WRITECOPY:
        return "PAGE_EXECUTE_WRITECOPY";
    default:
        return "?";
    }
}
