/*
 * wm_system.h - runtime facts: the machine, its memory, this process, and whether Wine
 * is running the program.
 *
 * Every number a lesson prints about "the machine" comes from here, read from the OS at
 * run time: never assume a 4096-byte page or a 65536-byte allocation granularity.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_SYSTEM_H
#define WM_SYSTEM_H

#include <stddef.h>
#include <stdint.h>
#include <windows.h>

/* What GetSystemInfo says about the machine and the address space. */
typedef struct wm_system_s
{
    WORD architecture;            /* PROCESSOR_ARCHITECTURE_AMD64 (9) on x64 */
    DWORD page_size;              /* unit of commit and protection: 4096 on x86/x64 */
    DWORD allocation_granularity; /* reservations start at multiples of this: 65536 */
    uintptr_t lowest_address;     /* lowest address a program can allocate */
    uintptr_t highest_address;    /* highest such address: the last byte, inclusive */
    DWORD processors;             /* logical processors in this process's group */
} wm_system_t;

/* What GlobalMemoryStatusEx says, in bytes. */
typedef struct wm_memory_status_s
{
    DWORD load_percent;           /* 0-100: how much physical memory is in use */
    ULONGLONG physical_total;     /* RAM the OS can use */
    ULONGLONG physical_available; /* RAM free or reusable right now */
    ULONGLONG commit_limit;       /* RAM + page files: what can be committed in all */
    ULONGLONG commit_available;   /* how much more this process could commit */
    ULONGLONG virtual_total;      /* user address space of this process */
    ULONGLONG virtual_available;  /* ...of which neither reserved nor committed */
} wm_memory_status_t;

/* What GetPerformanceInfo says about the whole system, converted from pages to bytes. */
typedef struct wm_performance_s
{
    SIZE_T page_size;             /* the page size the counts were in */
    ULONGLONG commit_total;       /* bytes committed by all processes (commit charge) */
    ULONGLONG commit_limit;       /* the most that can be committed without growing page files */
    ULONGLONG commit_peak;        /* highest commit_total since boot */
    ULONGLONG physical_total;     /* RAM */
    ULONGLONG physical_available; /* RAM free or reusable */
    ULONGLONG system_cache;       /* RAM used by the file cache */
    ULONGLONG kernel_total;       /* kernel paged + nonpaged pool */
    DWORD handles;                /* open handles, all processes */
    DWORD processes;              /* running processes */
    DWORD threads;                /* running threads */
} wm_performance_t;

/* What GetProcessMemoryInfo says about one process, in bytes. */
typedef struct wm_process_counters_s
{
    DWORD page_faults;          /* soft and hard page faults since the process started */
    SIZE_T working_set;         /* bytes of this process resident in RAM now */
    SIZE_T peak_working_set;    /* highest working_set so far */
    SIZE_T private_bytes;       /* commit charge: private committed bytes (0 if not written) */
    int private_written;        /* 1 when the call filled in PrivateUsage; Wine does not */
    SIZE_T pagefile_usage;      /* same as private_bytes on Windows 7 and later */
    SIZE_T peak_pagefile_usage; /* highest pagefile_usage so far */
} wm_process_counters_t;

/* Which OS is running the program. */
typedef struct wm_runtime_s
{
    DWORD major;           /* RtlGetVersion: 10 on Windows 10 and 11 */
    DWORD minor;           /* 0 on Windows 10 and 11 */
    DWORD build;           /* 22000 and later are Windows 11 */
    int is_wine;           /* 1 when Wine runs the program */
    char wine_version[32]; /* Wine's version ("8.0"), or "" on Windows */
} wm_runtime_t;

/* Fills system from GetSystemInfo. Fails only with ERROR_INVALID_PARAMETER (NULL). */
DWORD wm_system_query(wm_system_t *system);

/* Fills system from GetNativeSystemInfo: the same as wm_system_query for a 64-bit
 * process; a 32-bit process under WOW64 sees the native machine here. */
DWORD wm_system_query_native(wm_system_t *system);

/* Fills status from GlobalMemoryStatusEx (which needs dwLength set first; done here). */
DWORD wm_memory_status(wm_memory_status_t *status);

/* Fills performance from GetPerformanceInfo. */
DWORD wm_performance_query(wm_performance_t *performance);

/* Fills counters for process (GetCurrentProcess(), or a handle with
 * PROCESS_QUERY_LIMITED_INFORMATION access) from GetProcessMemoryInfo. */
DWORD wm_process_counters(HANDLE process, wm_process_counters_t *counters);

/*
 * Fills runtime with the true OS version (ntdll's RtlGetVersion, which, unlike
 * GetVersionExW, is not capped by the program's manifest) and with Wine's version when
 * ntdll exports wine_get_version. Both are looked up with GetProcAddress at run time.
 */
DWORD wm_runtime_query(wm_runtime_t *runtime);

/* 1 when the program runs under Wine, else 0. Looks ntdll up once per call. */
int wm_is_wine(void);

/* 1 when value is a power of two (1, 2, 4, ...), else 0. */
int wm_is_power_of_two(SIZE_T value);

/*
 * Rounds size up to a multiple of unit (a power of two, such as the page size) into
 * *rounded. ERROR_INVALID_PARAMETER if unit is not a power of two or rounded is NULL;
 * ERROR_ARITHMETIC_OVERFLOW if the result does not fit in a SIZE_T.
 */
DWORD wm_size_round_up(SIZE_T size, SIZE_T unit, SIZE_T *rounded);

/* Rounds value down to a multiple of unit (a power of two). */
SIZE_T wm_size_round_down(SIZE_T value, SIZE_T unit);

/* *product = a * b, or ERROR_ARITHMETIC_OVERFLOW. */
DWORD wm_size_multiply(ULONGLONG a, ULONGLONG b, ULONGLONG *product);

#endif /* WM_SYSTEM_H */
