# SPDX-License-Identifier: GPL-2.0-only
# iopass_module(NAME SOURCES a.c b.c LIBS dep1 dep2)
# One static library per module, iopass_NAME, registered so that the CLI
# and the unit tests link every module.
function(iopass_module name)
	cmake_parse_arguments(M "" "" "SOURCES;LIBS" ${ARGN})
	add_library(iopass_${name} STATIC ${M_SOURCES})
	target_link_libraries(iopass_${name} PUBLIC ${M_LIBS})
	set_property(GLOBAL APPEND PROPERTY IOPASS_LIBS iopass_${name})
endfunction()
