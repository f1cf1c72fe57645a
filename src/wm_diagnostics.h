/*
 * wm_diagnostics.h - what the diagnostic tools show: the address-space map of a process,
 * classified the way Sysinternals VMMap classifies it, snapshots of that map and their
 * differences, and the working-set attributes of single pages.
 *
 * The map is built from VirtualQueryEx (one MEMORY_BASIC_INFORMATION per region) plus what
 * each region is used for:
 *   Image        MEM_IMAGE: an .exe or .dll mapped by the loader; named by
 *                GetModuleFileNameExW, or by GetMappedFileNameW (the device form) in a
 *                process whose loader has not run yet (started suspended)
 *   Mapped File  MEM_MAPPED with a file behind it; named by GetMappedFileNameW
 *   Shareable    MEM_MAPPED with no file: a section backed by the page file (shared memory)
 *   Heap         MEM_PRIVATE owned by one of the process's heaps (this process only: found
 *                with GetProcessHeaps and HeapWalk)
 *   Stack        MEM_PRIVATE that is a thread's stack (this process only: the calling
 *                thread's, from GetCurrentThreadStackLimits)
 *   Private Data any other MEM_PRIVATE: VirtualAlloc, the PEB and TEBs, a heap or stack that
 *                could not be identified
 *   Unusable     free space between the end of an allocation and the next multiple of the
 *                allocation granularity: nothing can be reserved there
 *   Free         the rest of MEM_FREE
 * For another process (opened with wm_map_open_process) heaps and stacks are not
 * identified: VMMap reads them from the target's PEB and TEBs, undocumented structures,
 * and this library uses documented calls only. They show as Private Data.
 *
 * The process and system counters the tools show come from wm_system.h:
 * wm_process_counters (GetProcessMemoryInfo), wm_memory_status (GlobalMemoryStatusEx) and
 * wm_performance_query (GetPerformanceInfo).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_DIAGNOSTICS_H
#define WM_DIAGNOSTICS_H

#include <stddef.h>
#include <stdint.h>
#include <windows.h>

/* What a region is used for, as VMMap names it. */
typedef enum wm_map_type_e
{
    WM_MAP_FREE,        /* MEM_FREE, usable */
    WM_MAP_IMAGE,       /* an executable or DLL */
    WM_MAP_MAPPED_FILE, /* a view of a file */
    WM_MAP_SHAREABLE,   /* a view of a page-file-backed section */
    WM_MAP_HEAP,        /* a heap's segment or large block */
    WM_MAP_STACK,       /* a thread's stack */
    WM_MAP_PRIVATE,     /* any other private memory */
    WM_MAP_UNUSABLE,    /* free, but below the next allocation-granularity boundary */
    WM_MAP_TYPE_COUNT   /* how many types there are */
} wm_map_type_t;

/* Bytes of a region's name (UTF-8, NUL included); a longer path is cut. */
#define WM_MAP_NAME_CAPACITY 520

/* One region of the map. */
typedef struct wm_map_region_s
{
    uintptr_t base;                  /* first address, page-aligned */
    SIZE_T size;                     /* bytes */
    SIZE_T committed;                /* bytes committed: size when MEM_COMMIT, else 0 */
    DWORD state;                     /* MEM_FREE, MEM_RESERVE or MEM_COMMIT */
    DWORD protect;                   /* PAGE_* now; 0 when reserved or free */
    DWORD allocation_protect;        /* the protection the allocation was made with */
    uintptr_t allocation_base;       /* base of the allocation (reservation or view); 0 if free */
    wm_map_type_t type;              /* what it is used for */
    char name[WM_MAP_NAME_CAPACITY]; /* module or file path (UTF-8), or "" */
} wm_map_region_t;

/* Totals of one type. */
typedef struct wm_map_total_s
{
    ULONGLONG size;      /* bytes of address space */
    ULONGLONG committed; /* of which committed */
    SIZE_T regions;      /* regions of this type */
} wm_map_total_t;

/* A snapshot of a process's address space. The region storage comes from VirtualAlloc in
 * this process (so taking a map never changes a heap); its base is recorded in storage,
 * and wm_map_diff ignores that allocation. */
typedef struct wm_map_s
{
    wm_map_region_t *regions; /* count regions in address order; NULL when count is 0 */
    SIZE_T count;             /* regions stored */
    SIZE_T capacity;          /* regions the storage holds */
    uintptr_t storage;        /* base of the storage allocation, or 0 (not from wm_map_take) */
    uintptr_t start;          /* lowest application address: where the map starts */
    uintptr_t end;            /* one past the last region */
    wm_map_total_t totals[WM_MAP_TYPE_COUNT]; /* per type, indexed by wm_map_type_t */
    ULONGLONG largest_free; /* the biggest Free region: the largest reservation possible */
    int heaps_identified;   /* 1 when heaps were looked for (this process), else 0 */
    int stacks_identified;  /* 1 when the calling thread's stack was looked for */
} wm_map_t;

/* How a region differs between two maps. */
typedef enum wm_map_change_e
{
    WM_MAP_APPEARED,    /* in the second map only */
    WM_MAP_DISAPPEARED, /* in the first map only */
    WM_MAP_CHANGED      /* same base, other size, state, protection or type */
} wm_map_change_t;

/* Visitor for wm_map_diff: before is NULL for APPEARED, after is NULL for DISAPPEARED.
 * Return 0 to go on, anything else to stop. */
typedef int (*wm_map_change_fn)(void *context, wm_map_change_t change,
                                const wm_map_region_t *before, const wm_map_region_t *after);

/* One page's working-set attributes (QueryWorkingSetEx, PSAPI_WORKING_SET_EX_BLOCK). */
typedef struct wm_ws_page_s
{
    uintptr_t address;  /* the page asked about */
    int valid;          /* 1: resident in the working set; the fields below mean something */
    int shared;         /* 1: the page can be shared (an image or section page) */
    unsigned share_cnt; /* processes sharing it (at most 7) */
    DWORD protection;   /* its PAGE_* protection */
    int locked;         /* 1: locked in RAM (VirtualLock) */
    int large_page;     /* 1: part of a large page */
} wm_ws_page_t;

/*
 * Opens process_id with only the rights a map needs: PROCESS_QUERY_INFORMATION (for
 * VirtualQueryEx and GetMappedFileNameW) and PROCESS_VM_READ (for GetModuleFileNameExW,
 * which reads the loader's module list). On failure *process is NULL and the error is
 * OpenProcess's: ERROR_INVALID_PARAMETER for a process that does not exist (and for 0, the
 * System Idle Process), ERROR_ACCESS_DENIED for one we may not inspect. Close it with
 * wm_map_close_process.
 */
DWORD wm_map_open_process(DWORD process_id, HANDLE *process);

/* Closes a handle from wm_map_open_process (CloseHandle). NULL is ERROR_INVALID_PARAMETER. */
DWORD wm_map_close_process(HANDLE process);

/*
 * Maps process's address space into map (overwriting it: free an earlier map first):
 * every region from the lowest to the highest application address, in order, each
 * classified and named, with totals per type. process is GetCurrentProcess() (then heaps
 * and the calling thread's stack are identified too) or a handle from wm_map_open_process.
 * Names are best effort: a name the system will not give stays "", and a view whose file
 * name cannot be had is typed Shareable. On failure the map is empty and holds nothing.
 * Free it with wm_map_free.
 */
DWORD wm_map_take(HANDLE process, wm_map_t *map);

/* Gives back a map's storage (when storage is not 0) and zeroes it. A zeroed map is fine. */
DWORD wm_map_free(wm_map_t *map);

/* Recomputes map's totals, start, end and largest free block from its regions (for a
 * map rebuilt from a saved file). */
DWORD wm_map_recount(wm_map_t *map);

/* Stores in *region the region of map that holds address, or fails with ERROR_NOT_FOUND. */
DWORD wm_map_find(const wm_map_t *map, uintptr_t address, const wm_map_region_t **region);

/*
 * Compares two maps region by region, by base address, over the allocated regions (Free
 * and Unusable space is left out: it changes whenever anything else does) and without the
 * maps' own storage. Calls visit (may be NULL) for each difference, in address order, and
 * stores their number in *changes.
 */
DWORD wm_map_diff(const wm_map_t *before, const wm_map_t *after, wm_map_change_fn visit,
                  void *context, SIZE_T *changes);

/* The type's VMMap name: "Image", "Mapped File", ..., or "?" for a value out of range. */
const char *wm_map_type_name(wm_map_type_t type);

/* The type whose name is name (as wm_map_type_name gives it), or ERROR_NOT_FOUND. */
DWORD wm_map_type_parse(const char *name, wm_map_type_t *type);

/*
 * Fills pages[0..page_count-1] with the working-set attributes of the page_count pages from
 * address (rounded down to a page) in process (QueryWorkingSetEx, which needs
 * PROCESS_QUERY_INFORMATION). A page that is not resident has valid 0 and nothing else set.
 */
DWORD wm_working_set_pages(HANDLE process, const void *address, SIZE_T page_count,
                           wm_ws_page_t *pages);

#endif /* WM_DIAGNOSTICS_H */
