/*
 * diagnostics.c - the address-space map (a console VMMap's engine), its snapshots and
 * differences, and per-page working-set attributes.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_diagnostics.h"

#include <string.h>

#include "wm_error.h"
#include "wm_heap.h"
#include "wm_os.h"
#include "wm_system.h"
#include "wm_virtual_alloc.h"
#include "wm_virtual_memory.h"

/* Most allocation bases remembered as heaps or stacks; more are typed Private Data. A
 * process has a handful of heaps, each with a few segments and large blocks. */
#define MAP_MAX_OWNED 512

/* Regions added to the counted number when sizing the storage: the storage allocation
 * itself splits a free region into up to three (used, unusable tail, free). */
#define MAP_SLACK_REGIONS 16

/* How often wm_map_take retries when the address space grew between counting and
 * recording (another thread, or another process being mapped, allocating meanwhile). */
#define MAP_ATTEMPTS 4

/* Pages asked about per QueryWorkingSetEx call: a small buffer on the stack. */
#define WS_BATCH 64

static const char *const type_names[WM_MAP_TYPE_COUNT] = {
    "Free", "Image", "Mapped File", "Shareable", "Heap", "Stack", "Private Data", "Unusable",
};

/* Allocation bases known to belong to heaps or stacks. */
typedef struct owned_s
{
    uintptr_t bases[MAP_MAX_OWNED]; /* allocation bases */
    SIZE_T count;                   /* bases stored */
} owned_t;

/* What a walk over the regions needs. */
typedef struct map_walk_s
{
    HANDLE process;                       /* the process mapped */
    wm_map_t *map;                        /* where regions go; NULL while only counting */
    SIZE_T counted;                       /* regions seen (Free regions may count twice) */
    SIZE_T granularity;                   /* the allocation granularity */
    const owned_t *heaps;                 /* heap allocation bases */
    const owned_t *stacks;                /* stack allocation bases */
    uintptr_t last_allocation;            /* allocation base of the previous region, for names */
    wm_map_type_t last_type;              /* its type */
    char last_name[WM_MAP_NAME_CAPACITY]; /* its name */
    int overflow;                         /* 1 when the storage was too small */
} map_walk_t;

/* What the heap-walk visitor needs. */
typedef struct heap_scan_s
{
    HANDLE process;     /* the process (always this one) */
    SIZE_T granularity; /* busy blocks this big or bigger are allocations of their own */
    owned_t *heaps;     /* where allocation bases go */
    DWORD error;        /* the first query error, if any */
} heap_scan_t;

const char *wm_map_type_name(wm_map_type_t type)
{
    if ((unsigned)type >= WM_MAP_TYPE_COUNT) {
        return "?";
    }
    return type_names[type];
}

DWORD wm_map_type_parse(const char *name, wm_map_type_t *type)
{
    unsigned index = 0;

    if (name == NULL || type == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    for (index = 0; index < WM_MAP_TYPE_COUNT; index++) {
        if (strcmp(name, type_names[index]) == 0) {
            *type = (wm_map_type_t)index;
            return ERROR_SUCCESS;
        }
    }
    return ERROR_NOT_FOUND;
}

DWORD wm_map_open_process(DWORD process_id, HANDLE *process)
{
    HANDLE opened = NULL;

    if (process == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *process = NULL;
    /* Only the rights the map needs (OpenProcess and "Process Security and Access Rights" on
     * Microsoft Learn): VirtualQueryEx and GetMappedFileNameW want QUERY_INFORMATION;
     * GetModuleFileNameExW reads the target's loader data, so it also wants VM_READ. Never
     * PROCESS_ALL_ACCESS: a tool that inspects must not be able to change. */
    opened = wm__os.OpenProcess(PROCESS_QUERY_INFORMATION | /* VirtualQueryEx, file names */
                                    PROCESS_VM_READ,        /* module names */
                                FALSE,                      /* not inherited */
                                process_id);
    if (opened == NULL) {
        return GetLastError();
    }
    *process = opened;
    return ERROR_SUCCESS;
}

DWORD wm_map_close_process(HANDLE process)
{
    BOOL closed = FALSE;

    if (process == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    closed = wm__os.CloseHandle(process);
    if (!closed) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

static int owned_contains(const owned_t *owned, uintptr_t base)
{
    SIZE_T index = 0;

    if (owned == NULL) {
        return 0;
    }
    for (index = 0; index < owned->count; index++) {
        if (owned->bases[index] == base) {
            return 1;
        }
    }
    return 0;
}

static void owned_add(owned_t *owned, uintptr_t base)
{
    if (base == 0 || owned_contains(owned, base) || owned->count == MAP_MAX_OWNED) {
        return;
    }
    owned->bases[owned->count] = base;
    owned->count++;
}

/* wm_heap_walk visitor: remembers the allocation base of each heap region, and of each busy
 * block big enough to be an allocation of its own (a heap hands those to VirtualAlloc). */
static int scan_heap_entry(void *context, const wm_heap_entry_t *entry)
{
    heap_scan_t *scan = (heap_scan_t *)context;
    wm_region_t region;
    DWORD error = ERROR_SUCCESS;
    int is_region = (entry->flags & PROCESS_HEAP_REGION) != 0;
    int is_large =
        (entry->flags & PROCESS_HEAP_ENTRY_BUSY) != 0 && entry->size >= scan->granularity;

    if (!is_region && !is_large) {
        return 0;
    }
    error = wm_space_query(scan->process, entry->address, &region);
    if (error != ERROR_SUCCESS) {
        scan->error = error;
        return 1;
    }
    owned_add(scan->heaps, region.allocation_base);
    return 0;
}

/* Finds this process's heaps' allocations. A heap that cannot be walked (one created with
 * HEAP_NO_SERIALIZE cannot be locked) is left out: its regions stay Private Data. */
static DWORD find_heaps(HANDLE process, SIZE_T granularity, owned_t *heaps)
{
    wm_heap_list_t list;
    wm_heap_summary_t summary;
    heap_scan_t scan;
    DWORD index = 0;
    DWORD error = ERROR_SUCCESS;

    error = wm_heap_list(&list);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    for (index = 0; index < list.count; index++) {
        memset(&scan, 0, sizeof scan);
        scan.process = process;
        scan.granularity = granularity;
        scan.heaps = heaps;
        (void)wm_heap_walk(list.heaps[index], &summary, scan_heap_entry, &scan);
        if (scan.error != ERROR_SUCCESS) {
            return scan.error;
        }
    }
    return ERROR_SUCCESS;
}

/* Finds the calling thread's stack allocation (GetCurrentThreadStackLimits gives the
 * reservation's [low, high): "GetCurrentThreadStackLimits" on Microsoft Learn). */
static DWORD find_stack(HANDLE process, owned_t *stacks)
{
    ULONG_PTR low = 0;
    ULONG_PTR high = 0;
    wm_region_t region;
    DWORD error = ERROR_SUCCESS;

    wm__os.GetCurrentThreadStackLimits(&low, &high);
    if (high <= low) {
        return ERROR_INVALID_DATA;
    }
    error = wm_space_query(process, high - 1, &region);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    owned_add(stacks, region.allocation_base);
    return ERROR_SUCCESS;
}

/* Names and types an allocated region; the first region of an allocation asks the OS, the
 * others copy it. */
static void classify(map_walk_t *walk, const wm_region_t *region, wm_map_region_t *out)
{
    wchar_t wide[MAX_PATH];
    DWORD length = 0;

    if (region->allocation_base == walk->last_allocation && walk->last_allocation != 0) {
        out->type = walk->last_type;
        memcpy(out->name, walk->last_name, sizeof out->name);
        return;
    }
    out->name[0] = '\0';
    wide[0] = L'\0';
    if (region->type == MEM_IMAGE) {
        out->type = WM_MAP_IMAGE;
        /* A module's handle is its allocation base ("GetModuleFileNameExW" on Microsoft
         * Learn names the module by its HMODULE). */
        length = wm__os.GetModuleFileNameExW(walk->process, (HMODULE)region->allocation_base, wide,
                                             MAX_PATH);
        if (length == 0) {
            /* GetModuleFileNameExW reads the loader's module list, which a process started
             * suspended does not have yet (EnumProcessModules on Microsoft Learn); the
             * image's file name, in the device form, is there from the start. */
            length = wm__os.GetMappedFileNameW(walk->process, (LPVOID)region->base, wide, MAX_PATH);
        }
    } else if (region->type == MEM_MAPPED) {
        /* GetMappedFileNameW names the file behind a view; a section backed by the page
         * file has none, and the call fails (Wine: ERROR_FILE_INVALID). The name is in the
         * NT device form, \Device\HarddiskVolume1\..., not with a drive letter
         * ("GetMappedFileNameW" on Microsoft Learn); Wine gives \??\C:\... instead. */
        length = wm__os.GetMappedFileNameW(walk->process, (LPVOID)region->base, wide, MAX_PATH);
        out->type = length > 0 ? WM_MAP_MAPPED_FILE : WM_MAP_SHAREABLE;
    } else if (owned_contains(walk->heaps, region->allocation_base)) {
        out->type = WM_MAP_HEAP;
    } else if (owned_contains(walk->stacks, region->allocation_base)) {
        out->type = WM_MAP_STACK;
    } else {
        out->type = WM_MAP_PRIVATE;
    }
    if (length > 0 && length < MAX_PATH) {
        wide[length] = L'\0';
        (void)wm_utf8_from_wide(wide, out->name, sizeof out->name); /* cut if too long */
    }
    walk->last_allocation = region->allocation_base;
    walk->last_type = out->type;
    memcpy(walk->last_name, out->name, sizeof walk->last_name);
}

/* Stores one region, or only counts it while walk->map is NULL. */
static void store(map_walk_t *walk, const wm_map_region_t *region)
{
    walk->counted++;
    if (walk->map == NULL) {
        return;
    }
    if (walk->map->count == walk->map->capacity) {
        walk->overflow = 1;
        return;
    }
    walk->map->regions[walk->map->count] = *region;
    walk->map->count++;
}

/* wm_space_walk visitor: classifies a region; a free region that starts off the allocation
 * granularity is split into its Unusable head and the Free rest. */
static int map_region(void *context, const wm_region_t *region)
{
    map_walk_t *walk = (map_walk_t *)context;
    wm_map_region_t out;
    uintptr_t boundary = 0;
    uintptr_t end = region->base + region->size;

    memset(&out, 0, sizeof out);
    out.base = region->base;
    out.size = region->size;
    out.state = region->state;
    if (region->state == MEM_FREE) {
        /* Reservations start at multiples of the allocation granularity ("VirtualAlloc" on
         * Microsoft Learn), so free space below the next multiple cannot be used. */
        boundary = (region->base + walk->granularity - 1) & ~(uintptr_t)(walk->granularity - 1);
        if (boundary > region->base) {
            out.type = WM_MAP_UNUSABLE;
            out.size = (boundary < end ? boundary : end) - region->base;
            store(walk, &out);
            if (boundary >= end) {
                return walk->overflow;
            }
            out.base = boundary;
            out.size = end - boundary;
        }
        out.type = WM_MAP_FREE;
        store(walk, &out);
        return walk->overflow;
    }
    out.protect = region->protect;
    out.allocation_protect = region->allocation_protect;
    out.allocation_base = region->allocation_base;
    out.committed = region->state == MEM_COMMIT ? region->size : 0;
    if (walk->map != NULL) {
        classify(walk, region, &out); /* names only when recording: they cost calls */
    }
    store(walk, &out);
    return walk->overflow;
}

DWORD wm_map_recount(wm_map_t *map)
{
    SIZE_T index = 0;
    const wm_map_region_t *region = NULL;

    if (map == NULL || (map->count > 0 && map->regions == NULL)) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(map->totals, 0, sizeof map->totals);
    map->largest_free = 0;
    map->start = 0;
    map->end = 0;
    for (index = 0; index < map->count; index++) {
        region = &map->regions[index];
        if ((unsigned)region->type >= WM_MAP_TYPE_COUNT) {
            return ERROR_INVALID_DATA;
        }
        if (index == 0) {
            map->start = region->base;
        }
        map->end = region->base + region->size;
        map->totals[region->type].size += region->size;
        map->totals[region->type].committed += region->committed;
        map->totals[region->type].regions++;
        if (region->type == WM_MAP_FREE && region->size > map->largest_free) {
            map->largest_free = region->size;
        }
    }
    return ERROR_SUCCESS;
}

DWORD wm_map_free(wm_map_t *map)
{
    DWORD error = ERROR_SUCCESS;

    if (map == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    if (map->storage != 0) {
        error = wm_vm_release((void *)map->storage);
        if (error != ERROR_SUCCESS) {
            return error;
        }
    }
    memset(map, 0, sizeof *map);
    return ERROR_SUCCESS;
}

/* One attempt at wm_map_take: count, allocate, record. *overflow is set when the address
 * space grew between the count and the record. */
static DWORD map_once(HANDLE process, const wm_system_t *system, const owned_t *heaps,
                      const owned_t *stacks, wm_map_t *map, int *overflow)
{
    map_walk_t walk;
    void *storage = NULL;
    SIZE_T capacity = 0;
    ULONGLONG bytes = 0;
    DWORD error = ERROR_SUCCESS;

    *overflow = 0;
    memset(&walk, 0, sizeof walk);
    walk.process = process;
    walk.granularity = system->allocation_granularity;
    walk.heaps = heaps;
    walk.stacks = stacks;
    error = wm_space_walk(process, map_region, &walk); /* count only */
    if (error != ERROR_SUCCESS) {
        return error;
    }
    capacity = walk.counted + MAP_SLACK_REGIONS;
    error = wm_size_multiply(capacity, sizeof(wm_map_region_t), &bytes);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_vm_allocate(NULL, (SIZE_T)bytes, PAGE_READWRITE, /* plain data */
                           &storage);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    map->regions = (wm_map_region_t *)storage;
    map->capacity = capacity;
    map->storage = (uintptr_t)storage;
    walk.map = map;
    walk.counted = 0;
    error = wm_space_walk(process, map_region, &walk);
    if (error == ERROR_SUCCESS && walk.overflow) {
        *overflow = 1;
    }
    if (error == ERROR_SUCCESS && !walk.overflow) {
        return wm_map_recount(map);
    }
    (void)wm_vm_release(storage); /* the walk's error is the one reported */
    map->regions = NULL;
    map->capacity = 0;
    map->count = 0;
    map->storage = 0;
    return error;
}

DWORD wm_map_take(HANDLE process, wm_map_t *map)
{
    wm_system_t system;
    owned_t heaps;
    owned_t stacks;
    HANDLE self = GetCurrentProcess(); /* a constant pseudo-handle: cannot fail */
    int overflow = 0;
    int attempt = 0;
    DWORD error = ERROR_SUCCESS;

    if (process == NULL || map == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    memset(map, 0, sizeof *map);
    memset(&heaps, 0, sizeof heaps);
    memset(&stacks, 0, sizeof stacks);
    error = wm_system_query(&system);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    /* Heaps and stacks can be found only from inside the process: GetProcessHeaps and
     * GetCurrentThreadStackLimits have no form that takes a process handle. */
    if (process == self) {
        error = find_heaps(process, system.allocation_granularity, &heaps);
        if (error != ERROR_SUCCESS) {
            return error;
        }
        error = find_stack(process, &stacks);
        if (error != ERROR_SUCCESS) {
            return error;
        }
    }
    for (attempt = 0; attempt < MAP_ATTEMPTS; attempt++) {
        error = map_once(process, &system, &heaps, &stacks, map, &overflow);
        if (error != ERROR_SUCCESS || !overflow) {
            break;
        }
    }
    if (error == ERROR_SUCCESS && overflow) {
        error = ERROR_INSUFFICIENT_BUFFER; /* the address space kept growing */
    }
    if (error != ERROR_SUCCESS) {
        memset(map, 0, sizeof *map);
        return error;
    }
    map->heaps_identified = process == self;
    map->stacks_identified = map->heaps_identified;
    return ERROR_SUCCESS;
}

DWORD wm_map_find(const wm_map_t *map, uintptr_t address, const wm_map_region_t **region)
{
    SIZE_T index = 0;

    if (map == NULL || region == NULL || (map->count > 0 && map->regions == NULL)) {
        return ERROR_INVALID_PARAMETER;
    }
    *region = NULL;
    for (index = 0; index < map->count; index++) {
        if (address >= map->regions[index].base &&
            address - map->regions[index].base < map->regions[index].size) {
            *region = &map->regions[index];
            return ERROR_SUCCESS;
        }
    }
    return ERROR_NOT_FOUND;
}

/* 1 when a region takes part in a diff: allocated, and not one of the maps' own storage. */
static int diffable(const wm_map_region_t *region, const wm_map_t *before, const wm_map_t *after)
{
    if (region->type == WM_MAP_FREE || region->type == WM_MAP_UNUSABLE) {
        return 0;
    }
    if (before->storage != 0 && region->allocation_base == before->storage) {
        return 0;
    }
    if (after->storage != 0 && region->allocation_base == after->storage) {
        return 0;
    }
    return 1;
}

static int same_region(const wm_map_region_t *a, const wm_map_region_t *b)
{
    return a->size == b->size && a->state == b->state && a->protect == b->protect &&
           a->type == b->type;
}

DWORD wm_map_diff(const wm_map_t *before, const wm_map_t *after, wm_map_change_fn visit,
                  void *context, SIZE_T *changes)
{
    SIZE_T i = 0;
    SIZE_T j = 0;
    const wm_map_region_t *old_region = NULL;
    const wm_map_region_t *new_region = NULL;
    int stop = 0;

    if (before == NULL || after == NULL || changes == NULL ||
        (before->count > 0 && before->regions == NULL) ||
        (after->count > 0 && after->regions == NULL)) {
        return ERROR_INVALID_PARAMETER;
    }
    *changes = 0;
    /* Both maps are in address order: merge them like two sorted lists. */
    while (!stop && (i < before->count || j < after->count)) {
        old_region = i < before->count ? &before->regions[i] : NULL;
        new_region = j < after->count ? &after->regions[j] : NULL;
        if (old_region != NULL && !diffable(old_region, before, after)) {
            i++;
            continue;
        }
        if (new_region != NULL && !diffable(new_region, before, after)) {
            j++;
            continue;
        }
        if (new_region == NULL || (old_region != NULL && old_region->base < new_region->base)) {
            (*changes)++;
            stop = visit != NULL && visit(context, WM_MAP_DISAPPEARED, old_region, NULL);
            i++;
        } else if (old_region == NULL || new_region->base < old_region->base) {
            (*changes)++;
            stop = visit != NULL && visit(context, WM_MAP_APPEARED, NULL, new_region);
            j++;
        } else {
            if (!same_region(old_region, new_region)) {
                (*changes)++;
                stop = visit != NULL && visit(context, WM_MAP_CHANGED, old_region, new_region);
            }
            i++;
            j++;
        }
    }
    return ERROR_SUCCESS;
}

DWORD wm_working_set_pages(HANDLE process, const void *address, SIZE_T page_count,
                           wm_ws_page_t *pages)
{
    PSAPI_WORKING_SET_EX_INFORMATION batch[WS_BATCH];
    wm_system_t system;
    uintptr_t first = 0;
    SIZE_T done = 0;
    SIZE_T count = 0;
    SIZE_T index = 0;
    BOOL queried = FALSE;
    DWORD error = ERROR_SUCCESS;

    if (process == NULL || address == NULL || page_count == 0 || pages == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    error = wm_system_query(&system);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    first = wm_size_round_down((uintptr_t)address, system.page_size);
    if (page_count > (UINTPTR_MAX - first) / system.page_size) {
        return ERROR_ARITHMETIC_OVERFLOW;
    }
    while (done < page_count) {
        count = page_count - done < WS_BATCH ? page_count - done : WS_BATCH;
        memset(batch, 0, sizeof batch);
        for (index = 0; index < count; index++) {
            batch[index].VirtualAddress = (PVOID)(first + (done + index) * system.page_size);
        }
        /* The caller fills in the addresses; the call fills in the attributes of each
         * ("QueryWorkingSetEx", "PSAPI_WORKING_SET_EX_BLOCK" on Microsoft Learn). */
        queried = wm__os.QueryWorkingSetEx(process, batch, (DWORD)(count * sizeof batch[0]));
        if (!queried) {
            return GetLastError();
        }
        for (index = 0; index < count; index++) {
            wm_ws_page_t *page = &pages[done + index];
            PSAPI_WORKING_SET_EX_BLOCK attributes = batch[index].VirtualAttributes;

            memset(page, 0, sizeof *page);
            page->address = (uintptr_t)batch[index].VirtualAddress;
            page->valid = (int)attributes.Valid;
            if (page->valid) {
                page->share_cnt = (unsigned)attributes.ShareCount;
                page->protection = (DWORD)attributes.Win32Protection;
                page->shared = (int)attributes.Shared;
                page->locked = (int)attributes.Locked;
                page->large_page = (int)attributes.LargePage;
            }
        }
        done += count;
    }
    return ERROR_SUCCESS;
}
