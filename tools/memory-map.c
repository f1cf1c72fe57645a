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
#include "wm_lesson.h"

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

/* printf into a file or stdout. */
static void emit(wm_write_fn write, void *context, const char *format, ...)
{
    char text[1024];
    va_list arguments;
    int length = 0;

    va_start(arguments, format);
    length = vsnprintf(text, sizeof text, format, arguments);
    va_end(arguments);
    if (length < 0) {
        return;
    }
    if ((size_t)length >= sizeof text) {
        length = (int)sizeof text - 1;
    }
    write(context, text, (size_t)length);
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

/* Writes text with the five XML special characters escaped. */
static void write_xml_text(wm_write_fn write, void *context, const char *text)
{
    const char *run = text;

    while (*text != '\0') {
        const char *entity = NULL;

        switch (*text) {
        case '&':
            entity = "&amp;";
            break;
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\'':
            entity = "&apos;";
            break;
        default:
            break;
        }
        if (entity != NULL) {
            write(context, run, (size_t)(text - run));
            write(context, entity, strlen(entity));
            run = text + 1;
        }
        text++;
    }
    write(context, run, (size_t)(text - run));
}

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
    emit(write, context, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    emit(write, context,
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
         "font-family=\"sans-serif\" font-size=\"13\">\n",
         (unsigned)SVG_WIDTH, height);
    emit(write, context,
         "<text x=\"%u\" y=\"%u\">Address space of process %lu, low to high, left to right; "
         "box width grows with log2(size): hover for details</text>\n",
         (unsigned)SVG_MARGIN, (unsigned)SVG_MARGIN + 12, (unsigned long)pid);
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
            emit(write, context,
                 "<text x=\"%u\" y=\"%u\" font-size=\"10\" fill=\"#555\">0x%016llx</text>\n",
                 (unsigned)SVG_MARGIN, y - 3, (unsigned long long)region->base);
        }
        wm_format_bytes(region->size, size, sizeof size);
        emit(write, context,
             "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\" stroke=\"#333\" "
             "stroke-width=\"0.5\"><title>0x%016llx %s %s ",
             SVG_MARGIN + x, y, width, (unsigned)SVG_ROW_HEIGHT, type_colors[region->type],
             (unsigned long long)region->base, size, wm_map_type_name(region->type));
        write_xml_text(write, context, region->name);
        emit(write, context, "</title></rect>\n");
        x += width;
    }
    y += SVG_ROW_HEIGHT + SVG_MARGIN * 2;
    for (type = 0; type < WM_MAP_TYPE_COUNT; type++) {
        wm_format_bytes(map->totals[type].size, size, sizeof size);
        emit(write, context,
             "<rect x=\"%u\" y=\"%u\" width=\"16\" height=\"16\" fill=\"%s\" stroke=\"#333\"/>"
             "<text x=\"%u\" y=\"%u\">%s: %s in %zu regions</text>\n",
             (unsigned)SVG_MARGIN, y, type_colors[type], (unsigned)SVG_MARGIN + 24, y + 13,
             wm_map_type_name((wm_map_type_t)type), size, map->totals[type].regions);
        y += SVG_LEGEND_ROW;
    }
    emit(write, context,
         "<text x=\"%u\" y=\"%u\">Scale: one page (%zu bytes) is %u px; each doubling of a "
         "size adds %u px: 64 KiB %u px, 1 MiB %u px, 1 GiB %u px</text>\n",
         (unsigned)SVG_MARGIN, y + 13, page_size, box_width(page_size, page_size),
         (unsigned)SVG_UNIT, box_width(SCALE_64K, page_size), box_width(SCALE_1M, page_size),
         box_width(SCALE_1G, page_size));
    emit(write, context, "</svg>\n");
}

/* ------------------------------------------------------------------------------------ */
/* --diff: reading back a saved map.                                                    */
/* ------------------------------------------------------------------------------------ */

/* Reads a whole file into a NUL-terminated malloc'd buffer. */
static DWORD read_whole_file(const wchar_t *path, char **text)
{
    HANDLE file = INVALID_HANDLE_VALUE;
    LARGE_INTEGER size;
    char *buffer = NULL;
    DWORD got = 0;
    DWORD error = ERROR_SUCCESS;
    BOOL done = FALSE;

    *text = NULL;
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
    buffer = NULL;

cleanup:
    free(buffer);
    done = CloseHandle(file);
    if (!done && error == ERROR_SUCCESS) {
        error = GetLastError();
    }
    return error;
}

/* A cursor over the JSON text of a saved map. The reader knows only the shape write_json
 * produces: flat objects of numbers and strings inside "regions". */
typedef struct reader_s
{
    const char *at; /* the next character */
} reader_t;

static void skip_space(reader_t *reader)
{
    while (*reader->at == ' ' || *reader->at == '\n' || *reader->at == '\r' ||
           *reader->at == '\t') {
        reader->at++;
    }
}

/* Reads a JSON string into text (UTF-8; \u escapes above 0x7F become '?'). */
static int read_string(reader_t *reader, char *text, size_t capacity)
{
    size_t length = 0;
    char c = '\0';

    skip_space(reader);
    if (*reader->at != '"') {
        return 0;
    }
    reader->at++;
    while (*reader->at != '"') {
        c = *reader->at;
        if (c == '\0') {
            return 0;
        }
        if (c == '\\') {
            reader->at++;
            c = *reader->at;
            if (c == 'n') {
                c = '\n';
            } else if (c == 't') {
                c = '\t';
            } else if (c == 'u') {
                unsigned value = 0;
                int digit = 0;

                for (digit = 0; digit < 4; digit++) {
                    char hex = reader->at[1 + digit];

                    value <<= 4;
                    if (hex >= '0' && hex <= '9') {
                        value |= (unsigned)(hex - '0');
                    } else if (hex >= 'a' && hex <= 'f') {
                        value |= (unsigned)(hex - 'a' + 10);
                    } else if (hex >= 'A' && hex <= 'F') {
                        value |= (unsigned)(hex - 'A' + 10);
                    } else {
                        return 0;
                    }
                }
                reader->at += 4;
                c = (char)(value < 0x80 ? value : '?');
            } else if (c != '"' && c != '\\' && c != '/') {
                return 0;
            }
        }
        if (length + 1 < capacity) {
            text[length] = c;
            length++;
        }
        reader->at++;
    }
    reader->at++;
    text[length] = '\0';
    return 1;
}

static int read_number(reader_t *reader, uint64_t *value)
{
    uint64_t number = 0;
    int digits = 0;

    skip_space(reader);
    while (*reader->at >= '0' && *reader->at <= '9') {
        if (number > (UINT64_MAX - 9) / 10) {
            return 0;
        }
        number = number * 10 + (uint64_t)(*reader->at - '0');
        reader->at++;
        digits++;
    }
    *value = number;
    return digits > 0;
}

/* Reads one region object: {"base":N,...,"type":"...","name":"..."}. */
static int read_region(reader_t *reader, wm_map_region_t *region)
{
    char key[32];
    char type[32];
    uint64_t number = 0;
    int ok = 0;

    memset(region, 0, sizeof *region);
    skip_space(reader);
    if (*reader->at != '{') {
        return 0;
    }
    reader->at++;
    for (;;) {
        ok = read_string(reader, key, sizeof key);
        if (!ok) {
            return 0;
        }
        skip_space(reader);
        if (*reader->at != ':') {
            return 0;
        }
        reader->at++;
        if (strcmp(key, "type") == 0) {
            ok = read_string(reader, type, sizeof type);
            if (!ok) {
                return 0;
            }
            if (wm_map_type_parse(type, &region->type) != ERROR_SUCCESS) {
                return 0;
            }
        } else if (strcmp(key, "name") == 0) {
            ok = read_string(reader, region->name, sizeof region->name);
            if (!ok) {
                return 0;
            }
        } else {
            ok = read_number(reader, &number);
            if (!ok) {
                return 0;
            }
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
            } else if (strcmp(key, "allocation_protect") == 0) {
                region->allocation_protect = (DWORD)number;
            }
        }
        skip_space(reader);
        if (*reader->at == '}') {
            reader->at++;
            return 1;
        }
        if (*reader->at != ',') {
            return 0;
        }
        reader->at++;
    }
}

/* Rebuilds a map from a saved file's text. map->regions is malloc'd (free it). */
static int parse_map(const char *text, wm_map_t *map)
{
    reader_t reader;
    const char *found = NULL;
    uint64_t storage = 0;
    SIZE_T capacity = 0;
    SIZE_T count = 0;
    const char *scan = NULL;
    wm_map_region_t *regions = NULL;
    DWORD error = ERROR_SUCCESS;
    int ok = 0;

    memset(map, 0, sizeof *map);
    found = strstr(text, "\"tool\":\"" TOOL_NAME "\"");
    if (found == NULL) {
        return 0;
    }
    found = strstr(text, "\"storage\":");
    if (found != NULL) {
        reader.at = found + strlen("\"storage\":");
        ok = read_number(&reader, &storage);
        if (!ok) {
            return 0;
        }
    }
    found = strstr(text, "\"regions\":[");
    if (found == NULL) {
        return 0;
    }
    /* Each region has exactly one "base" key: that bounds the array. */
    for (scan = strstr(found, "\"base\":"); scan != NULL; scan = strstr(scan + 1, "\"base\":")) {
        capacity++;
    }
    if (capacity > 0) {
        regions = (wm_map_region_t *)calloc(capacity, sizeof *regions);
        if (regions == NULL) {
            return 0;
        }
    }
    reader.at = found + strlen("\"regions\":[");
    skip_space(&reader);
    while (*reader.at != ']') {
        ok = count < capacity;
        if (ok) {
            ok = read_region(&reader, &regions[count]);
        }
        if (!ok) {
            free(regions);
            return 0;
        }
        count++;
        skip_space(&reader);
        if (*reader.at == ',') {
            reader.at++;
        }
        skip_space(&reader);
    }
    map->regions = regions;
    map->count = count;
    map->capacity = capacity;
    map->storage = (uintptr_t)storage;
    error = wm_map_recount(map);
    if (error != ERROR_SUCCESS) {
        free(regions);
        memset(map, 0, sizeof *map);
        return 0;
    }
    return 1;
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
    wm_map_t before;
    wm_map_t after;
    wm_json_t json;
    diff_print_t print;
    SIZE_T changes = 0;
    DWORD error = ERROR_SUCCESS;
    int parsed = 0;
    int exit_code = WM_EXIT_OK;

    memset(&before, 0, sizeof before);
    memset(&after, 0, sizeof after);
    error = read_whole_file(config->diff_a, &text_a);
    if (error != ERROR_SUCCESS) {
        exit_code = usage_error("--diff: cannot read '%ls': error %lu", config->diff_a,
                                (unsigned long)error);
        goto cleanup;
    }
    error = read_whole_file(config->diff_b, &text_b);
    if (error != ERROR_SUCCESS) {
        exit_code = usage_error("--diff: cannot read '%ls': error %lu", config->diff_b,
                                (unsigned long)error);
        goto cleanup;
    }
    parsed = parse_map(text_a, &before);
    if (!parsed) {
        exit_code =
            usage_error("--diff: '%ls' is not a map saved by memory-map --json", config->diff_a);
        goto cleanup;
    }
    parsed = parse_map(text_b, &after);
    if (!parsed) {
        exit_code =
            usage_error("--diff: '%ls' is not a map saved by memory-map --json", config->diff_b);
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
        if (config.pid != no_pid || config.svg != NULL || config.output != NULL) {
            return usage_error("--diff compares two files: it takes no --pid, --svg or --output");
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
    if (config.output != NULL && !config.options.json) {
        return usage_error("--output writes JSON: add --json");
    }
    return run_map(&config);
}
