# check-svg.cmake - checks that a picture written by memory-map --svg is a well-formed SVG
# document, then removes it (the test created it; nothing else may be left behind).
#
#   cmake -DSVG=<file> [-DXMLLINT=<xmllint>] [-DLEGEND=<entry;entry>] -P check-svg.cmake
#
# LEGEND lists the legend's entries to look for: by default the map's types; the page view
# of --region passes its own.
#
# With xmllint (libxml2) available the check is a full XML parse; without it, the structure
# the tool writes is checked: the XML declaration, one <svg> root, balanced <rect> elements,
# a legend, and no unescaped '&'.
if(NOT EXISTS "${SVG}")
    message(FATAL_ERROR "no picture at ${SVG}")
endif()
file(READ "${SVG}" text)
file(REMOVE "${SVG}")
if(NOT text MATCHES "^<\\?xml version=\"1.0\" encoding=\"UTF-8\"\\?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"")
    message(FATAL_ERROR "the picture does not start with the XML declaration and <svg>")
endif()
if(NOT text MATCHES "</svg>\n$")
    message(FATAL_ERROR "the picture does not end with </svg>")
endif()
string(REGEX MATCHALL "<rect " opened "${text}")
string(REGEX MATCHALL "</rect>|/>" closed "${text}")
list(LENGTH opened opened_count)
list(LENGTH closed closed_count)
if(NOT opened_count EQUAL closed_count OR opened_count LESS 10)
    message(FATAL_ERROR "unbalanced rectangles: ${opened_count} opened, ${closed_count} closed")
endif()
if(text MATCHES "&[^alqg]")
    message(FATAL_ERROR "an unescaped '&' in the picture")
endif()
if(NOT DEFINED LEGEND)
    set(LEGEND "Image: ;Heap: ;Stack: ;Private Data: ;Unusable: ;Free: ")
endif()
foreach(type IN LISTS LEGEND)
    if(NOT text MATCHES ">${type}")
        message(FATAL_ERROR "the legend lacks ${type}")
    endif()
endforeach()
if(XMLLINT)
    file(WRITE "${SVG}.check" "${text}")
    execute_process(COMMAND "${XMLLINT}" --noout "${SVG}.check" RESULT_VARIABLE parsed)
    file(REMOVE "${SVG}.check")
    if(NOT parsed EQUAL 0)
        message(FATAL_ERROR "xmllint rejects the picture")
    endif()
endif()
message(STATUS "well-formed SVG: ${opened_count} rectangles")
