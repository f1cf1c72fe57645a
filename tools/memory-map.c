/*
 * memory-map.c - a console VMMap: the address space of this process or another, by type.
 *
 * What you will see when you run it:
 *   memory-map                      a table: for each VMMap type (Image, Mapped File,
 *                                   Shareable, Heap, Stack, Private Data, Unusable, Free) the
 *                                   address space it takes, what of it is committed, how many
 *                                   regions; the total; the largest free block
 *   memory-map --detail             the same, then every region: address, size, committed,
 *                                   state, protection, type, module or file name
 *   memory-map --pid 1234           another process (opened for query and read only)
 *   memory-map --json               one JSON object: totals and every region
 *   memory-map --json --output F    the same, written to the new file F (never overwritten)
 *   memory-map --svg F              a picture of the address space in the new file F
 *   memory-map --region 0x12340000  the allocation holding that address (or, without --pid,
 *                                   a module's name: --region kernel32.dll), page by page: state,
 *                                   protection, in the working set or not (as VMMap's
 *                                   detail view); with --json one object, with --svg F a
 *                                   picture of its pages
 *   memory-map --diff A.json B.json what appeared, disappeared or changed between two saved
 *                                   maps
 *   memory-map --pause              wait for Enter before mapping (with --pid: time to bring
 *                                   the other process to the moment of interest)
 * A PID that does not exist or cannot be opened, and an output file that exists already, get
 * one line on stderr and exit code 2. The tool writes only the file it is told to.
 *
 * This is a tool, not a lesson: it prints no verdicts. The lesson that explains it is
 * `diagnostics`; how to read its output is in docs/memory-map.md.
 *
 * Run:  memory-map [--detail] [--pid N] [--json] [--output FILE] [--svg FILE]
 *       memory-map --region ADDRESS [--pid N] [--json] [--svg FILE]
 *       memory-map --diff A.json B.json [--json]
 * Docs: docs/memory-map.md
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "winmem.h"
#include "wm_args.h"
#include "wm_console.h"
#include "wm_json.h"
#include "wm_json_read.h"
#include "wm_lesson.h"
#include "wm_svg.h"

#define TOOL_NAME "memory-map"
#define TOOL_PURPOSE                                                                               \
    "A console VMMap: the address space of a process, by type (Image, Mapped File, Shareable, "    \
    "Heap, Stack, Private Data, Unusable, Free). --diff A.json B.json compares two saved maps."

/* Most command-line arguments the tool accepts: it has a handful of options. */
#define MAX_ARGUMENTS 32

/* The largest saved map --diff reads: a map of a big process is well under a megabyte. */
#define MAX_MAP_FILE_BYTES (64u * 1024u * 1024u)

/* The SVG: rows of this many pixels, each region a box as wide as the base-2 logarithm of
 * its size in pages (plus one), times this scale: a 4 KiB page gets one unit, 128 TiB of
 * free space 36. A linear scale would make every DLL invisible beside the free space. */
#define SVG_WIDTH 1200u
#define SVG_ROW_HEIGHT 28u
#define SVG_ROW_GAP 16u
#define SVG_UNIT 6u
#define SVG_MARGIN 10u
#define SVG_LEGEND_ROW 22u

/* --region: the most pages it reads (1 GiB of 4 KiB pages), and its picture: squares of
 * this many pixels, this many to a row. */
#define REGION_PAGES_MAX 262144u
#define REGION_SVG_COLUMNS 64u
#define REGION_SVG_CELL 12u

/* Sizes the picture's scale line gives as examples. */
#define SCALE_64K ((SIZE_T)64 * 1024)
#define SCALE_1M ((SIZE_T)1024 * 1024)
#define SCALE_1G ((SIZE_T)1024 * 1024 * 1024)

/* What the command line asked for. */
typedef struct tool_config_s
{
    int detail;            /* --detail */
    uint64_t pid;          /* --pid, or 0 for this process */
    int pid_given;         /* --pid was given (0 is a PID too, if a bad one) */
    const wchar_t *output; /* --output FILE, or NULL */
    const wchar_t *svg;    /* --svg FILE, or NULL */
    const wchar_t *region; /* --region ADDRESS, or NULL */
    const wchar_t *diff_a; /* --diff A B, or NULL */
    const wchar_t *diff_b;
    wm_options_t options; /* --json, --color, --pause */
} tool_config_t;

/* A file the tool writes: created new, written through a buffer. */
typedef struct out_file_s
{
    HANDLE handle; /* the file, or INVALID_HANDLE_VALUE */
    DWORD error;   /* the first write error */
} out_file_t;

/* The colours of the picture, one per type (close to VMMap's palette). */
static const char *const type_colors[WM_MAP_TYPE_COUNT] = {
    "#ffffff", /* Free */
    "#b07cd8", /* Image */
    "#5fb3e0", /* Mapped File */
    "#f0a04b", /* Shareable */
    "#e05f5f", /* Heap */
    "#e8d44d", /* Stack */
    "#f5c542", /* Private Data */
    "#9a9a9a", /* Unusable */
};

/* ------------------------------------------------------------------------------------ */
/* Output helpers.                                                                      */
/* ------------------------------------------------------------------------------------ */

/* wm_write_fn for stdout. */
static void write_stdout(void *context, const char *bytes, size_t length)
{
    (void)context;
    fwrite(bytes, 1, length, stdout);
}

/* wm_write_fn for a file the tool created. */
static void write_file(void *context, const char *bytes, size_t length)
{
    out_file_t *file = (out_file_t *)context;
    DWORD written = 0;
    BOOL done = FALSE;

    if (file->error != ERROR_SUCCESS || length == 0) {
        return;
    }
    done = WriteFile(file->handle, bytes, (DWORD)length, &written, NULL); /* synchronous */
    if (!done) {
        file->error = GetLastError();
    } else if (written != length) {
        file->error = ERROR_WRITE_FAULT;
    }
}

/* One line on stderr naming the problem, and the usage exit code. */
static int usage_error(const char *format, ...)
{
    va_list arguments;

    fprintf(stderr, "%s: ", TOOL_NAME);
    va_start(arguments, format);
    vfprintf(stderr, format, arguments);
    va_end(arguments);
    fprintf(stderr, "\n");
    return WM_EXIT_USAGE;
}

/* Creates path for writing; fails if it exists (CREATE_NEW): the tool never overwrites a
 * file it did not create ("CreateFileW" on Microsoft Learn: CREATE_NEW fails with
 * ERROR_FILE_EXISTS). */
static DWORD create_new_file(const wchar_t *path, out_file_t *file)
{
    file->error = ERROR_SUCCESS;
    file->handle = CreateFileW(path, GENERIC_WRITE, 0, NULL, /* not shared, default security */
                               CREATE_NEW,                   /* never an existing file */
                               FILE_ATTRIBUTE_NORMAL, NULL);
    if (file->handle == INVALID_HANDLE_VALUE) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

/* Closes a file made by create_new_file; on an earlier write error, deletes it too, so a
 * half-written file is never left behind. Returns the first error. */
static DWORD close_new_file(const wchar_t *path, out_file_t *file)
{
    DWORD error = file->error;
    BOOL done = FALSE;

    done = CloseHandle(file->handle);
    if (!done && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    file->handle = INVALID_HANDLE_VALUE;
    if (error != ERROR_SUCCESS) {
        (void)DeleteFileW(path); /* our own file: the first error is the one reported */
    }
    return error;
}

/* ------------------------------------------------------------------------------------ */
/* The summary and the region list, as text.                                           */
/* ------------------------------------------------------------------------------------ */

static void print_summary(const wm_map_t *map, DWORD pid)
{
    char size[32];
    char committed[32];
    unsigned type = 0;
    ULONGLONG total_size = 0;
    ULONGLONG total_committed = 0;
    SIZE_T total_regions = 0;

    printf("Address space of process %lu: 0x%016llx to 0x%016llx\n\n", (unsigned long)pid,
           (unsigned long long)map->start, (unsigned long long)map->end);
    printf("%-13s %12s %12s %8s\n", "Type", "Size", "Committed", "Regions");
    for (type = 0; type < WM_MAP_TYPE_COUNT; type++) {
        wm_format_bytes(map->totals[type].size, size, sizeof size);
        wm_format_bytes(map->totals[type].committed, committed, sizeof committed);
        printf("%-13s %12s %12s %8zu\n", wm_map_type_name((wm_map_type_t)type), size, committed,
               map->totals[type].regions);
        total_size += map->totals[type].size;
        total_committed += map->totals[type].committed;
        total_regions += map->totals[type].regions;
    }
    wm_format_bytes(total_size, size, sizeof size);
    wm_format_bytes(total_committed, committed, sizeof committed);
    printf("%-13s %12s %12s %8zu\n", "Total", size, committed, total_regions);
    wm_format_bytes(map->largest_free, size, sizeof size);
    printf("\nLargest free block: %s (the largest reservation that can still succeed)\n", size);
    if (!map->heaps_identified) {
        printf("Heaps and stacks of another process are not identified (they need its PEB and "
               "TEBs, undocumented): they are counted as Private Data.\n");
    }
}

static void print_detail(const wm_map_t *map)
{
    char size[32];
    char committed[32];
    SIZE_T index = 0;
    const wm_map_region_t *region = NULL;

    printf("\n%-18s %10s %10s %-11s %-22s %-12s %s\n", "Address", "Size", "Committed", "State",
           "Protection", "Type", "Name");
    for (index = 0; index < map->count; index++) {
        region = &map->regions[index];
        wm_format_bytes(region->size, size, sizeof size);
        wm_format_bytes(region->committed, committed, sizeof committed);
        printf("0x%016llx %10s %10s %-11s %-22s %-12s %s\n", (unsigned long long)region->base, size,
               committed, wm_state_name(region->state),
               region->state == MEM_COMMIT ? wm_protect_name(region->protect) : "",
               wm_map_type_name(region->type), region->name);
    }
}

/* ------------------------------------------------------------------------------------ */
/* JSON: one object with the totals and every region.                                  */
/* ------------------------------------------------------------------------------------ */

static void write_json(const wm_map_t *map, DWORD pid, wm_write_fn write, void *context)
{
    wm_json_t json;
    SIZE_T index = 0;
    unsigned type = 0;
    const wm_map_region_t *region = NULL;

    wm_json_init(&json, write, context);
    wm_json_object_begin(&json);
    wm_json_key(&json, "tool");
    wm_json_string(&json, TOOL_NAME);
    wm_json_key(&json, "pid");
    wm_json_unsigned(&json, pid);
    wm_json_key(&json, "start");
    wm_json_unsigned(&json, map->start);
    wm_json_key(&json, "end");
    wm_json_unsigned(&json, map->end);
    wm_json_key(&json, "largest_free");
    wm_json_unsigned(&json, map->largest_free);
    wm_json_key(&json, "heaps_identified");
    wm_json_boolean(&json, map->heaps_identified);
    wm_json_key(&json, "stacks_identified");
    wm_json_boolean(&json, map->stacks_identified);
    wm_json_key(&json, "storage"); /* the map's own allocation: --diff leaves it out */
    wm_json_unsigned(&json, map->storage);
    wm_json_key(&json, "totals");
    wm_json_array_begin(&json);
    for (type = 0; type < WM_MAP_TYPE_COUNT; type++) {
        wm_json_object_begin(&json);
        wm_json_key(&json, "type");
        wm_json_string(&json, wm_map_type_name((wm_map_type_t)type));
        wm_json_key(&json, "size");
        wm_json_unsigned(&json, map->totals[type].size);
        wm_json_key(&json, "committed");
        wm_json_unsigned(&json, map->totals[type].committed);
        wm_json_key(&json, "regions");
        wm_json_unsigned(&json, map->totals[type].regions);
        wm_json_object_end(&json);
    }
    wm_json_array_end(&json);
    wm_json_key(&json, "regions");
    wm_json_array_begin(&json);
    for (index = 0; index < map->count; index++) {
        region = &map->regions[index];
        wm_json_object_begin(&json);
        wm_json_key(&json, "base");
        wm_json_unsigned(&json, region->base);
        wm_json_key(&json, "size");
        wm_json_unsigned(&json, region->size);
        wm_json_key(&json, "committed");
        wm_json_unsigned(&json, region->committed);
        wm_json_key(&json, "state");
        wm_json_unsigned(&json, region->state);
        wm_json_key(&json, "protect");
        wm_json_unsigned(&json, region->protect);
        wm_json_key(&json, "allocation_base");
        wm_json_unsigned(&json, region->allocation_base);
        wm_json_key(&json, "allocation_protect");
        wm_json_unsigned(&json, region->allocation_protect);
        wm_json_key(&json, "type");
        wm_json_string(&json, wm_map_type_name(region->type));
        wm_json_key(&json, "name");
        wm_json_string(&json, region->name);
        wm_json_object_end(&json);
    }
    wm_json_array_end(&json);
    wm_json_object_end(&json);
    write(context, "\n", 1);
}

/* ------------------------------------------------------------------------------------ */
/* The picture.                                                                         */
/* ------------------------------------------------------------------------------------ */

/* A box's width: log2 of the size in pages, plus one, in units. */
static unsigned box_width(SIZE_T size, SIZE_T page_size)
{
    SIZE_T pages = size / page_size;
    unsigned width = 1;

    while (pages > 1) {
        pages >>= 1;
        width++;
    }
    return width * SVG_UNIT;
}

static void write_svg(const wm_map_t *map, DWORD pid, SIZE_T page_size, wm_write_fn write,
                      void *context)
{
    wm_svg_t svg;
    wm_svg_style_t box = {NULL, NULL, NULL, NULL, "#333", "0.5"};
    const wm_svg_style_t row_label = {"10", NULL, NULL, "#555", NULL, NULL};
    wm_svg_style_t swatch = {NULL, NULL, NULL, NULL, "#333", NULL};
    char text[WM_MAP_NAME_CAPACITY + 128];
    char size[32];
    SIZE_T index = 0;
    unsigned x = 0;
    unsigned y = 0;
    unsigned width = 0;
    unsigned rows = 1;
    unsigned type = 0;
    unsigned height = 0;
    const wm_map_region_t *region = NULL;

    /* First pass: how many rows the boxes need, for the picture's height. */
    for (index = 0; index < map->count; index++) {
        width = box_width(map->regions[index].size, page_size);
        if (x + width > SVG_WIDTH - 2 * SVG_MARGIN) {
            rows++;
            x = 0;
        }
        x += width;
    }
    height = SVG_MARGIN * 3 + 20 + rows * (SVG_ROW_HEIGHT + SVG_ROW_GAP) +
             (WM_MAP_TYPE_COUNT + 1) * SVG_LEGEND_ROW; /* the types, then the scale */
    wm_svg_begin(&svg, write, context, SVG_WIDTH, height, "13", NULL);
    snprintf(text, sizeof text,
             "Address space of process %lu, low to high, left to right; box width grows with "
             "log2(size): hover for details",
             (unsigned long)pid);
    wm_svg_text(&svg, SVG_MARGIN, SVG_MARGIN + 12, NULL, text);
    x = 0;
    y = SVG_MARGIN * 2 + 20;
    for (index = 0; index < map->count; index++) {
        region = &map->regions[index];
        width = box_width(region->size, page_size);
        if (x + width > SVG_WIDTH - 2 * SVG_MARGIN) {
            x = 0;
            y += SVG_ROW_HEIGHT + SVG_ROW_GAP;
        }
        if (x == 0) {
            /* Each row is labelled with the address it starts at. */
            snprintf(text, sizeof text, "0x%016llx", (unsigned long long)region->base);
            wm_svg_text(&svg, SVG_MARGIN, y - 3, &row_label, text);
        }
        wm_format_bytes(region->size, size, sizeof size);
        snprintf(text, sizeof text, "0x%016llx %s %s %s", (unsigned long long)region->base, size,
                 wm_map_type_name(region->type), region->name);
        box.fill = type_colors[region->type];
        wm_svg_rect(&svg, SVG_MARGIN + x, y, width, SVG_ROW_HEIGHT, &box, text);
        x += width;
    }
    y += SVG_ROW_HEIGHT + SVG_MARGIN * 2;
    for (type = 0; type < WM_MAP_TYPE_COUNT; type++) {
        wm_format_bytes(map->totals[type].size, size, sizeof size);
        swatch.fill = type_colors[type];
        wm_svg_rect(&svg, SVG_MARGIN, y, 16, 16, &swatch, NULL);
        snprintf(text, sizeof text, "%s: %s in %zu regions", wm_map_type_name((wm_map_type_t)type),
                 size, map->totals[type].regions);
        wm_svg_text(&svg, SVG_MARGIN + 24, y + 13, NULL, text);
        y += SVG_LEGEND_ROW;
    }
    snprintf(text, sizeof text,
             "Scale: one page (%zu bytes) is %u px; each doubling of a size adds %u px: 64 KiB "
             "%u px, 1 MiB %u px, 1 GiB %u px",
             page_size, box_width(page_size, page_size), (unsigned)SVG_UNIT,
             box_width(SCALE_64K, page_size), box_width(SCALE_1M, page_size),
             box_width(SCALE_1G, page_size));
    wm_svg_text(&svg, SVG_MARGIN, y + 13, NULL, text);
    wm_svg_end(&svg);
}

/* ------------------------------------------------------------------------------------ */
/* --region: one allocation, page by page.                                              */
/* ------------------------------------------------------------------------------------ */

/* One page of the region as --region shows it. */
typedef struct page_row_s
{
    uintptr_t address; /* the page's first byte */
    DWORD state;       /* MEM_COMMIT or MEM_RESERVE */
    DWORD protection;  /* PAGE_* for a committed page; 0 for a reserved one */
    int resident;      /* 1: in the working set (QueryWorkingSetEx's Valid) */
} page_row_t;

/* The pages of the allocation that holds an address. */
typedef struct region_pages_s
{
    uintptr_t base;   /* the allocation's base (AllocationBase) */
    DWORD type;       /* MEM_IMAGE, MEM_MAPPED or MEM_PRIVATE */
    page_row_t *rows; /* count pages, malloc'd; free with free() */
    SIZE_T count;
    int truncated; /* 1: the allocation has more than REGION_PAGES_MAX pages */
} region_pages_t;

/* Appends the pages of one VirtualQueryEx region to pages (up to REGION_PAGES_MAX). */
static void add_region_pages(region_pages_t *pages, const MEMORY_BASIC_INFORMATION *region,
                             SIZE_T page_size)
{
    SIZE_T offset = 0;
    page_row_t *row = NULL;

    for (offset = 0; offset < region->RegionSize; offset += page_size) {
        if (pages->count == REGION_PAGES_MAX) {
            pages->truncated = 1;
            return;
        }
        row = &pages->rows[pages->count];
        row->address = (uintptr_t)region->BaseAddress + offset;
        row->state = region->State;
        row->protection = region->State == MEM_COMMIT ? region->Protect : 0;
        pages->count++;
    }
}

/*
 * Reads the allocation holding address in process page by page: VirtualQueryEx for each
 * region of the allocation (same AllocationBase), then QueryWorkingSetEx for every page
 * ("QueryWorkingSetEx" on Microsoft Learn: Valid says the page is in the working set).
 * ERROR_INVALID_ADDRESS when the address is free. Free pages->rows with free().
 */
static DWORD take_region_pages(HANDLE process, uintptr_t address, SIZE_T page_size,
                               region_pages_t *pages)
{
    MEMORY_BASIC_INFORMATION region;
    wm_ws_page_t *ws = NULL;
    uintptr_t at = 0;
    SIZE_T written = 0;
    SIZE_T index = 0;
    DWORD error = ERROR_SUCCESS;

    memset(pages, 0, sizeof *pages);
    written = VirtualQueryEx(process, (LPCVOID)address, &region, sizeof region);
    if (written == 0) {
        return GetLastError();
    }
    if (region.State == MEM_FREE) {
        return ERROR_INVALID_ADDRESS; /* no allocation holds it */
    }
    pages->base = (uintptr_t)region.AllocationBase;
    pages->type = region.Type;
    pages->rows = (page_row_t *)calloc(REGION_PAGES_MAX, sizeof *pages->rows);
    ws = (wm_ws_page_t *)calloc(REGION_PAGES_MAX, sizeof *ws);
    if (pages->rows == NULL || ws == NULL) {
        free(ws);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    at = pages->base;
    for (;;) {
        written = VirtualQueryEx(process, (LPCVOID)at, &region, sizeof region);
        if (written == 0 || region.State == MEM_FREE ||
            (uintptr_t)region.AllocationBase != pages->base) {
            break; /* past the allocation's end */
        }
        add_region_pages(pages, &region, page_size);
        if (pages->truncated) {
            break;
        }
        at = (uintptr_t)region.BaseAddress + region.RegionSize;
    }
    error = wm_working_set_pages(process, (const void *)pages->base, pages->count, ws);
    for (index = 0; error == ERROR_SUCCESS && index < pages->count; index++) {
        pages->rows[index].resident = ws[index].valid;
    }
    free(ws);
    return error;
}

/* 1 when two pages look the same in the table: state, protection, residency. */
static int same_kind(const page_row_t *first, const page_row_t *second)
{
    return first->state == second->state && first->protection == second->protection &&
           first->resident == second->resident;
}

/* The table: runs of pages that look the same, one line each. */
static void print_region_pages(const region_pages_t *pages, DWORD pid, SIZE_T page_size)
{
    SIZE_T start = 0;
    SIZE_T end = 0;

    printf("Allocation at 0x%016llx in process %lu: %zu pages of %zu bytes, %s%s\n\n",
           (unsigned long long)pages->base, (unsigned long)pid, pages->count, page_size,
           wm_type_name(pages->type), pages->truncated ? " (the first pages only)" : "");
    printf("%-18s   %-18s %7s  %-11s %-26s %s\n", "First page", "Last page", "Pages", "State",
           "Protection", "In working set");
    while (start < pages->count) {
        end = start;
        while (end + 1 < pages->count && same_kind(&pages->rows[start], &pages->rows[end + 1])) {
            end++;
        }
        printf("0x%016llx - 0x%016llx %7zu  %-11s %-26s %s\n",
               (unsigned long long)pages->rows[start].address,
               (unsigned long long)pages->rows[end].address, end - start + 1,
               wm_state_name(pages->rows[start].state),
               pages->rows[start].state == MEM_COMMIT
                   ? wm_protect_name(pages->rows[start].protection)
                   : "-",
               pages->rows[start].resident ? "yes" : "no");
        start = end + 1;
    }
}

/* The same, page by page, as one JSON object. */
static void write_region_json(const region_pages_t *pages, DWORD pid, SIZE_T page_size)
{
    wm_json_t json;
    SIZE_T index = 0;

    wm_json_init(&json, write_stdout, NULL);
    wm_json_object_begin(&json);
    wm_json_key(&json, "tool");
    wm_json_string(&json, TOOL_NAME);
    wm_json_key(&json, "pid");
    wm_json_unsigned(&json, pid);
    wm_json_key(&json, "allocation_base");
    wm_json_unsigned(&json, pages->base);
    wm_json_key(&json, "type");
    wm_json_string(&json, wm_type_name(pages->type));
    wm_json_key(&json, "page_size");
    wm_json_unsigned(&json, page_size);
    wm_json_key(&json, "truncated");
    wm_json_boolean(&json, pages->truncated);
    wm_json_key(&json, "pages");
    wm_json_array_begin(&json);
    for (index = 0; index < pages->count; index++) {
        wm_json_object_begin(&json);
        wm_json_key(&json, "address");
        wm_json_unsigned(&json, pages->rows[index].address);
        wm_json_key(&json, "state");
        wm_json_string(&json, wm_state_name(pages->rows[index].state));
        wm_json_key(&json, "protect");
        wm_json_unsigned(&json, pages->rows[index].protection);
        wm_json_key(&json, "resident");
        wm_json_boolean(&json, pages->rows[index].resident);
        wm_json_object_end(&json);
    }
    wm_json_array_end(&json);
    wm_json_object_end(&json);
    printf("\n");
}

/* A page's colour in the picture: reserved grey; committed green, dark when resident;
 * a guard or no-access page orange. */
static const char *page_color(const page_row_t *row)
{
    if (row->state != MEM_COMMIT) {
        return "#d0d0d0";
    }
    if ((row->protection & (PAGE_GUARD | PAGE_NOACCESS)) != 0) {
        return "#f0a030";
    }
    return row->resident ? "#2e8b57" : "#a8dcb8";
}

/* The picture's second view: the allocation page by page, REGION_SVG_COLUMNS to a row. */
static void write_region_svg(const region_pages_t *pages, DWORD pid, wm_write_fn write,
                             void *context)
{
    /* The legend: each colour and what it means, in page_color's terms. */
    static const struct
    {
        const char *fill;
        const char *meaning;
    } legend[] = {
        {"#2e8b57", "committed, in the working set"},
        {"#a8dcb8", "committed, not in the working set"},
        {"#f0a030", "committed, guard or no access"},
        {"#d0d0d0", "reserved"},
    };
    wm_svg_t svg;
    wm_svg_style_t cell = {NULL, NULL, NULL, NULL, "#fff", "1"};
    wm_svg_style_t swatch = {NULL, NULL, NULL, NULL, NULL, NULL};
    char text[160];
    SIZE_T index = 0;
    size_t item = 0;
    unsigned rows = (unsigned)((pages->count + REGION_SVG_COLUMNS - 1) / REGION_SVG_COLUMNS);
    unsigned width = SVG_MARGIN * 2 + REGION_SVG_COLUMNS * REGION_SVG_CELL;
    unsigned height = SVG_MARGIN * 4 + 20 + rows * REGION_SVG_CELL + 4 * SVG_LEGEND_ROW;
    unsigned x = 0;
    unsigned y = 0;
    const page_row_t *row = NULL;

    wm_svg_begin(&svg, write, context, width, height, "13", NULL);
    snprintf(text, sizeof text,
             "Allocation at 0x%016llx in process %lu, page by page, %u to a row: hover for "
             "details",
             (unsigned long long)pages->base, (unsigned long)pid, (unsigned)REGION_SVG_COLUMNS);
    wm_svg_text(&svg, SVG_MARGIN, SVG_MARGIN + 12, NULL, text);
    for (index = 0; index < pages->count; index++) {
        row = &pages->rows[index];
        x = SVG_MARGIN + (unsigned)(index % REGION_SVG_COLUMNS) * REGION_SVG_CELL;
        y = SVG_MARGIN * 2 + 20 + (unsigned)(index / REGION_SVG_COLUMNS) * REGION_SVG_CELL;
        snprintf(text, sizeof text, "0x%016llx %s %s %s", (unsigned long long)row->address,
                 wm_state_name(row->state),
                 row->state == MEM_COMMIT ? wm_protect_name(row->protection) : "-",
                 row->resident ? "in the working set" : "not in the working set");
        cell.fill = page_color(row);
        wm_svg_rect(&svg, x, y, REGION_SVG_CELL, REGION_SVG_CELL, &cell, text);
    }
    y = SVG_MARGIN * 3 + 20 + rows * REGION_SVG_CELL;
    for (item = 0; item < sizeof legend / sizeof legend[0]; item++) {
        swatch.fill = legend[item].fill;
        wm_svg_rect(&svg, SVG_MARGIN, y, 16, 16, &swatch, NULL);
        wm_svg_text(&svg, SVG_MARGIN + 24, y + 13, NULL, legend[item].meaning);
        y += SVG_LEGEND_ROW;
    }
    wm_svg_end(&svg);
}

/* ------------------------------------------------------------------------------------ */
/* --diff: reading back a saved map.                                                    */
/* ------------------------------------------------------------------------------------ */

/* Reads a whole file into a NUL-terminated malloc'd buffer; *length is its size. */
static DWORD read_whole_file(const wchar_t *path, char **text, size_t *length)
{
    HANDLE file = INVALID_HANDLE_VALUE;
    LARGE_INTEGER size;
    char *buffer = NULL;
    DWORD got = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL done = FALSE;

    *text = NULL;
    *length = 0;
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, /* others may read too */
                       OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        return GetLastError();
    }
    done = GetFileSizeEx(file, &size);
    if (!done) {
        error = GetLastError();
        goto cleanup;
    }
    if (size.QuadPart > MAX_MAP_FILE_BYTES) {
        error = ERROR_FILE_TOO_LARGE;
        goto cleanup;
    }
    buffer = (char *)malloc((size_t)size.QuadPart + 1);
    if (buffer == NULL) {
        error = ERROR_NOT_ENOUGH_MEMORY;
        goto cleanup;
    }
    done = ReadFile(file, buffer, (DWORD)size.QuadPart, &got, NULL); /* synchronous */
    if (!done) {
        error = GetLastError();
        goto cleanup;
    }
    buffer[got] = '\0';
    *text = buffer;
    *length = got;
    buffer = NULL;

cleanup:
    free(buffer);
    done = CloseHandle(file);
    if (!done && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    return error;
}

/* Reads an object's key and the ':' after it into key; a key too long for it is skipped
 * and reads as "" (a key the caller does not know). */
static DWORD read_key(wm_json_reader_t *reader, char *key, size_t capacity)
{
    DWORD error = wm_json_read_string(reader, key, capacity);

    if (error == ERROR_INSUFFICIENT_BUFFER) {
        error = wm_json_skip_value(reader);
    }
    if (error != ERROR_SUCCESS) {
        return error;
    }
    return wm_json_read_token(reader, ':');
}

/* Reads one region object: {"base":N,...,"type":"...","name":"..."}; keys it does not
 * know are skipped. */
static DWORD read_region(wm_json_reader_t *reader, wm_map_region_t *region)
{
    char key[32];
    char type[32];
    uint64_t number = 0;
    int more = 1;
    DWORD error = ERROR_SUCCESS;

    memset(region, 0, sizeof *region);
    error = wm_json_read_token(reader, '{');
    while (error == ERROR_SUCCESS && more) {
        error = read_key(reader, key, sizeof key);
        if (error != ERROR_SUCCESS) {
            break;
        }
        if (strcmp(key, "type") == 0) {
            error = wm_json_read_string(reader, type, sizeof type);
            if (error == ERROR_SUCCESS && wm_map_type_parse(type, &region->type) != ERROR_SUCCESS) {
                error = ERROR_INVALID_DATA;
            }
        } else if (strcmp(key, "name") == 0) {
            error = wm_json_read_string(reader, region->name, sizeof region->name);
        } else if (strcmp(key, "base") == 0 || strcmp(key, "size") == 0 ||
                   strcmp(key, "committed") == 0 || strcmp(key, "state") == 0 ||
                   strcmp(key, "protect") == 0 || strcmp(key, "allocation_base") == 0 ||
                   strcmp(key, "allocation_protect") == 0) {
            error = wm_json_read_unsigned(reader, &number);
            if (strcmp(key, "base") == 0) {
                region->base = (uintptr_t)number;
            } else if (strcmp(key, "size") == 0) {
                region->size = (SIZE_T)number;
            } else if (strcmp(key, "committed") == 0) {
                region->committed = (SIZE_T)number;
            } else if (strcmp(key, "state") == 0) {
                region->state = (DWORD)number;
            } else if (strcmp(key, "protect") == 0) {
                region->protect = (DWORD)number;
            } else if (strcmp(key, "allocation_base") == 0) {
                region->allocation_base = (uintptr_t)number;
            } else {
                region->allocation_protect = (DWORD)number;
            }
        } else {
            error = wm_json_skip_value(reader);
        }
        if (error == ERROR_SUCCESS) {
            error = wm_json_read_more(reader, '}', &more);
        }
    }
    return error;
}

/* Reads the "regions" array into map->regions, grown as it goes (malloc'd: free it). */
static DWORD read_regions(wm_json_reader_t *reader, wm_map_t *map)
{
    wm_map_region_t *grown = NULL;
    SIZE_T capacity = 0;
    int more = 1;
    DWORD error = ERROR_SUCCESS;

    error = wm_json_read_token(reader, '[');
    if (error == ERROR_SUCCESS && wm_json_reader_peek(reader) == ']') {
        return wm_json_read_token(reader, ']');
    }
    while (error == ERROR_SUCCESS && more) {
        if (map->count == map->capacity) {
            capacity = map->capacity == 0 ? 256 : map->capacity * 2;
            if (capacity > (SIZE_T)-1 / sizeof *grown) {
                return ERROR_NOT_ENOUGH_MEMORY;
            }
            grown = (wm_map_region_t *)realloc(map->regions, capacity * sizeof *grown);
            if (grown == NULL) {
                return ERROR_NOT_ENOUGH_MEMORY;
            }
            map->regions = grown;
            map->capacity = capacity;
        }
        error = read_region(reader, &map->regions[map->count]);
        if (error == ERROR_SUCCESS) {
            map->count++;
            error = wm_json_read_more(reader, ']', &more);
        }
    }
    return error;
}

/* Rebuilds a map from a saved file's text: one object with "tool":"memory-map" and a
 * "regions" array (its other keys are skipped). Returns ERROR_SUCCESS, or the error with
 * reader->position where reading stopped. map->regions is malloc'd (free it); on failure
 * the map is empty. */
static DWORD parse_map(wm_json_reader_t *reader, wm_map_t *map)
{
    char key[32];
    char tool[32];
    uint64_t storage = 0;
    int is_map = 0;
    int has_regions = 0;
    int more = 1;
    DWORD error = ERROR_SUCCESS;

    memset(map, 0, sizeof *map);
    error = wm_json_read_token(reader, '{');
    while (error == ERROR_SUCCESS && more) {
        error = read_key(reader, key, sizeof key);
        if (error != ERROR_SUCCESS) {
            break;
        }
        if (strcmp(key, "tool") == 0) {
            error = wm_json_read_string(reader, tool, sizeof tool);
            is_map = error == ERROR_SUCCESS && strcmp(tool, TOOL_NAME) == 0;
        } else if (strcmp(key, "storage") == 0) {
            error = wm_json_read_unsigned(reader, &storage);
        } else if (strcmp(key, "regions") == 0) {
            error = read_regions(reader, map);
            has_regions = 1;
        } else {
            error = wm_json_skip_value(reader);
        }
        if (error == ERROR_SUCCESS) {
            error = wm_json_read_more(reader, '}', &more);
        }
    }
    if (error == ERROR_SUCCESS) {
        error = wm_json_read_end(reader);
    }
    if (error == ERROR_SUCCESS && (!is_map || !has_regions)) {
        error = ERROR_INVALID_DATA; /* JSON, but not a map */
    }
    if (error == ERROR_SUCCESS) {
        map->storage = (uintptr_t)storage;
        error = wm_map_recount(map);
    }
    if (error != ERROR_SUCCESS) {
        free(map->regions);
        memset(map, 0, sizeof *map);
    }
    return error;
}

/* What a diff prints: text lines, or JSON array items. */
typedef struct diff_print_s
{
    wm_json_t *json; /* NULL for text */
} diff_print_t;

static const char *change_name(wm_map_change_t change)
{
    switch (change) {
    case WM_MAP_APPEARED:
        return "appeared";
    case WM_MAP_DISAPPEARED:
        return "disappeared";
    default:
        return "changed";
    }
}

static int print_change(void *context, wm_map_change_t change, const wm_map_region_t *before,
                        const wm_map_region_t *after)
{
    diff_print_t *print = (diff_print_t *)context;
    const wm_map_region_t *shown = after != NULL ? after : before;
    char size[32];
    char old_size[32];

    wm_format_bytes(shown->size, size, sizeof size);
    if (print->json != NULL) {
        wm_json_object_begin(print->json);
        wm_json_key(print->json, "change");
        wm_json_string(print->json, change_name(change));
        wm_json_key(print->json, "base");
        wm_json_unsigned(print->json, shown->base);
        wm_json_key(print->json, "size");
        wm_json_unsigned(print->json, shown->size);
        wm_json_key(print->json, "type");
        wm_json_string(print->json, wm_map_type_name(shown->type));
        wm_json_key(print->json, "state");
        wm_json_string(print->json, wm_state_name(shown->state));
        wm_json_key(print->json, "name");
        wm_json_string(print->json, shown->name);
        wm_json_object_end(print->json);
        return 0;
    }
    if (change == WM_MAP_CHANGED) {
        wm_format_bytes(before->size, old_size, sizeof old_size);
        printf("~ 0x%016llx %10s -> %-10s %-12s %s -> %s %s\n", (unsigned long long)shown->base,
               old_size, size, wm_map_type_name(shown->type), wm_state_name(before->state),
               wm_state_name(after->state), shown->name);
        return 0;
    }
    printf("%c 0x%016llx %10s %-12s %-11s %s\n", change == WM_MAP_APPEARED ? '+' : '-',
           (unsigned long long)shown->base, size, wm_map_type_name(shown->type),
           wm_state_name(shown->state), shown->name);
    return 0;
}

static int run_diff(const tool_config_t *config)
{
    char *text_a = NULL;
    char *text_b = NULL;
    size_t length_a = 0;
    size_t length_b = 0;
    wm_json_reader_t reader;
    wm_map_t before;
    wm_map_t after;
    wm_json_t json;
    diff_print_t print;
    SIZE_T changes = 0;
    DWORD error = ERROR_SUCCESS;
    int exit_code = WM_EXIT_OK;

    memset(&before, 0, sizeof before);
    memset(&after, 0, sizeof after);
    error = read_whole_file(config->diff_a, &text_a, &length_a);
    if (error != ERROR_SUCCESS) {
        exit_code = usage_error("--diff: cannot read '%ls': error %lu", config->diff_a,
                                (unsigned long)error);
        goto cleanup;
    }
    error = read_whole_file(config->diff_b, &text_b, &length_b);
    if (error != ERROR_SUCCESS) {
        exit_code = usage_error("--diff: cannot read '%ls': error %lu", config->diff_b,
                                (unsigned long)error);
        goto cleanup;
    }
    wm_json_reader_init(&reader, text_a, length_a);
    error = parse_map(&reader, &before);
    if (error != ERROR_SUCCESS) {
        exit_code = usage_error("--diff: '%ls' is not a map saved by memory-map --json "
                                "(error %lu at byte %zu)",
                                config->diff_a, (unsigned long)error, reader.position);
        goto cleanup;
    }
    wm_json_reader_init(&reader, text_b, length_b);
    error = parse_map(&reader, &after);
    if (error != ERROR_SUCCESS) {
        exit_code = usage_error("--diff: '%ls' is not a map saved by memory-map --json "
                                "(error %lu at byte %zu)",
                                config->diff_b, (unsigned long)error, reader.position);
        goto cleanup;
    }
    memset(&print, 0, sizeof print);
    if (config->options.json) {
        wm_json_init(&json, write_stdout, NULL);
        print.json = &json;
        wm_json_object_begin(&json);
        wm_json_key(&json, "tool");
        wm_json_string(&json, TOOL_NAME);
        wm_json_key(&json, "diff");
        wm_json_array_begin(&json);
    } else {
        printf("Changes from %ls to %ls (+ appeared, - disappeared, ~ changed; free space and "
               "the maps' own storage left out):\n",
               config->diff_a, config->diff_b);
    }
    error = wm_map_diff(&before, &after, print_change, &print, &changes);
    if (config->options.json) {
        wm_json_array_end(&json);
        wm_json_key(&json, "changes");
        wm_json_unsigned(&json, changes);
        wm_json_object_end(&json);
        printf("\n");
    } else {
        printf("%zu changes\n", changes);
    }
    if (error != ERROR_SUCCESS) {
        fprintf(stderr, "%s: --diff failed: error %lu\n", TOOL_NAME, (unsigned long)error);
        exit_code = WM_EXIT_FAILED;
    }

cleanup:
    free(after.regions);
    free(before.regions);
    free(text_b);
    free(text_a);
    return exit_code;
}

/* ------------------------------------------------------------------------------------ */
/* The command line and the table of contents.                                         */
/* ------------------------------------------------------------------------------------ */

/* Takes "--diff A B" out of the arguments (wm_args knows only options with one value), and
 * copies the rest into rest[]. Returns 0, or a usage exit code. */
static int split_diff(int argc, wchar_t **argv, tool_config_t *config, wchar_t **rest,
                      int *rest_count)
{
    int i = 0;

    *rest_count = 0;
    if (argc > MAX_ARGUMENTS) {
        return usage_error("too many arguments (at most %d)", MAX_ARGUMENTS - 1);
    }
    for (i = 0; i < argc; i++) {
        if (i > 0 && wcscmp(argv[i], L"--diff") == 0) {
            if (i + 2 >= argc) {
                return usage_error("--diff needs two files: --diff A.json B.json");
            }
            config->diff_a = argv[i + 1];
            config->diff_b = argv[i + 2];
            i += 2;
            continue;
        }
        rest[*rest_count] = argv[i];
        (*rest_count)++;
    }
    return 0;
}

/* --region ADDRESS: the allocation holding ADDRESS, page by page, as a table, JSON (--json)
 * or a picture (--svg FILE). Returns the exit code. */
static int run_region(const tool_config_t *config, HANDLE process, DWORD pid, SIZE_T page_size)
{
    region_pages_t pages;
    out_file_t file;
    wchar_t *end = NULL;
    HMODULE module = NULL;
    uintptr_t address = 0;
    int parsed = 0;
    DWORD error = ERROR_SUCCESS;
    char text[256];
    int exit_code = WM_EXIT_OK;

    address = (uintptr_t)wcstoull(config->region, &end, 0); /* 0x... or decimal */
    parsed = end != config->region && *end == L'\0';
    if (!parsed && !config->pid_given) {
        module = GetModuleHandleW(config->region); /* a module of this process, by name */
        address = (uintptr_t)module;               /* its handle is its base address */
        parsed = module != NULL;
    }
    if (!parsed) {
        return usage_error("--region '%ls': not an address (0x1234abcd or decimal) nor a "
                           "module of this process",
                           config->region);
    }
    error = take_region_pages(process, address, page_size, &pages);
    if (error != ERROR_SUCCESS) {
        (void)wm_error_text(error, text, sizeof text);
        free(pages.rows);
        return usage_error("--region '%ls': no allocation read there: %s", config->region, text);
    }
    if (config->svg != NULL) {
        file.handle = INVALID_HANDLE_VALUE;
        error = create_new_file(config->svg, &file);
        if (error != ERROR_SUCCESS) {
            (void)wm_error_text(error, text, sizeof text);
            free(pages.rows);
            return usage_error("--svg '%ls': %s", config->svg, text);
        }
        write_region_svg(&pages, pid, write_file, &file);
        error = close_new_file(config->svg, &file);
        if (error != ERROR_SUCCESS) {
            fprintf(stderr, "%s: writing '%ls' failed: error %lu\n", TOOL_NAME, config->svg,
                    (unsigned long)error);
            exit_code = WM_EXIT_FAILED;
        } else if (!config->options.json) {
            printf("Wrote the picture to %ls\n", config->svg);
        }
    }
    if (config->options.json) {
        write_region_json(&pages, pid, page_size);
    } else if (config->svg == NULL) {
        print_region_pages(&pages, pid, page_size);
    }
    free(pages.rows);
    return exit_code;
}

static int run_map(const tool_config_t *config)
{
    wm_map_t map;
    wm_system_t system;
    HANDLE process = NULL;
    out_file_t file;
    DWORD pid = GetCurrentProcessId();
    DWORD error = ERROR_SUCCESS;
    char text[256];
    int exit_code = WM_EXIT_OK;

    memset(&map, 0, sizeof map);
    file.handle = INVALID_HANDLE_VALUE;
    file.error = ERROR_SUCCESS;
    error = wm_system_query(&system);
    if (error != ERROR_SUCCESS) {
        return usage_error("GetSystemInfo failed: %lu", (unsigned long)error);
    }
    if (config->options.pause) {
        /* --pause: wait before mapping, so the process under study can be brought to the
         * moment of interest (ignored when stdin is not a console). */
        (void)wm_console_pause("map the address space");
    }
    if (config->pid_given) {
        pid = (DWORD)config->pid;
        error = wm_map_open_process(pid, &process);
        if (error != ERROR_SUCCESS) {
            (void)wm_error_text(error, text, sizeof text);
            return usage_error("--pid %lu: cannot open the process: %s", (unsigned long)pid, text);
        }
    } else {
        process = GetCurrentProcess(); /* a pseudo-handle: nothing to close */
    }
    if (config->region != NULL) {
        exit_code = run_region(config, process, pid, system.page_size);
        goto cleanup;
    }
    error = wm_map_take(process, &map);
    if (error != ERROR_SUCCESS) {
        (void)wm_error_text(error, text, sizeof text);
        fprintf(stderr, "%s: mapping process %lu failed: %s\n", TOOL_NAME, (unsigned long)pid,
                text);
        exit_code = WM_EXIT_FAILED;
        goto cleanup;
    }
    if (config->svg != NULL) {
        error = create_new_file(config->svg, &file);
        if (error != ERROR_SUCCESS) {
            (void)wm_error_text(error, text, sizeof text);
            exit_code = usage_error("--svg '%ls': %s", config->svg, text);
            goto cleanup;
        }
        write_svg(&map, pid, system.page_size, write_file, &file);
        error = close_new_file(config->svg, &file);
        if (error != ERROR_SUCCESS) {
            (void)wm_error_text(error, text, sizeof text);
            fprintf(stderr, "%s: writing '%ls' failed: %s\n", TOOL_NAME, config->svg, text);
            exit_code = WM_EXIT_FAILED;
            goto cleanup;
        }
        if (!config->options.json) {
            printf("Wrote the picture to %ls\n", config->svg);
        }
    }
    if (config->output != NULL) {
        /* A file, not a redirect: PowerShell 5's > writes UTF-16, which --diff cannot read. */
        error = create_new_file(config->output, &file);
        if (error != ERROR_SUCCESS) {
            (void)wm_error_text(error, text, sizeof text);
            exit_code = usage_error("--output '%ls': %s", config->output, text);
            goto cleanup;
        }
        write_json(&map, pid, write_file, &file);
        error = close_new_file(config->output, &file);
        if (error != ERROR_SUCCESS) {
            (void)wm_error_text(error, text, sizeof text);
            fprintf(stderr, "%s: writing '%ls' failed: %s\n", TOOL_NAME, config->output, text);
            exit_code = WM_EXIT_FAILED;
            goto cleanup;
        }
        printf("Wrote the map to %ls\n", config->output);
    } else if (config->options.json) {
        write_json(&map, pid, write_stdout, NULL);
    } else {
        print_summary(&map, pid);
        if (config->detail) {
            print_detail(&map);
        }
    }

cleanup:
    error = wm_map_free(&map);
    if (error != ERROR_SUCCESS && exit_code == WM_EXIT_OK) {
        exit_code = WM_EXIT_FAILED;
    }
    if (config->pid_given) {
        error = wm_map_close_process(process);
        if (error != ERROR_SUCCESS && exit_code == WM_EXIT_OK) {
            exit_code = WM_EXIT_FAILED;
        }
    }
    return exit_code;
}

int wmain(int argc, wchar_t **argv)
{
    tool_config_t config;
    wchar_t *rest[MAX_ARGUMENTS];
    int rest_count = 0;
    int handled = 0;
    int diff_listed = 0; /* --diff is taken out by split_diff; listed only for the usage text */
    const uint64_t no_pid = UINT64_MAX; /* --pid not given */
    const wm_option_spec_t extra[] = {
        {L"--detail", WM_OPTION_FLAG, &config.detail, NULL, "list every region, not only totals"},
        {L"--pid", WM_OPTION_UNSIGNED, &config.pid, "N", "map process N instead of this one"},
        {L"--output", WM_OPTION_TEXT, &config.output, "FILE",
         "with --json: write the map to the new file FILE (an existing file is an error)"},
        {L"--svg", WM_OPTION_TEXT, &config.svg, "FILE",
         "draw the address space into the new file FILE (an existing file is an error)"},
        {L"--region", WM_OPTION_TEXT, &config.region, "ADDRESS",
         "the allocation holding ADDRESS (or, in this process, the module named so), page by "
         "page: state, protection, in the working set"},
        {L"--diff", WM_OPTION_FLAG, &diff_listed, "A B",
         "compare two maps saved with --json --output (given as --diff A.json B.json)"},
    };
    const size_t extra_count = sizeof extra / sizeof extra[0];

    memset(&config, 0, sizeof config);
    config.pid = no_pid;
    wm_console_init();
    handled = split_diff(argc, argv, &config, rest, &rest_count);
    if (handled != 0) {
        return handled;
    }
    handled = wm_args_handle(rest_count, rest, TOOL_NAME, TOOL_PURPOSE, extra, extra_count,
                             &config.options);
    if (handled != WM_ARGS_CONTINUE) {
        return handled;
    }
    if (config.diff_a != NULL) {
        if (config.pid != no_pid || config.svg != NULL || config.output != NULL ||
            config.region != NULL) {
            return usage_error(
                "--diff compares two files: it takes no --pid, --svg, --output or --region");
        }
        return run_diff(&config);
    }
    if (config.pid != no_pid) {
        if (config.pid > MAXDWORD) {
            return usage_error("--pid %llu: a process ID fits in 32 bits",
                               (unsigned long long)config.pid);
        }
        config.pid_given = 1;
    }
    if (config.region != NULL && (config.output != NULL || config.detail)) {
        return usage_error("--region shows one allocation: it takes no --output or --detail");
    }
    if (config.output != NULL && !config.options.json) {
        return usage_error("--output writes JSON: add --json");
    }
    return run_map(&config);
}
