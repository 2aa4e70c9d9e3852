# SPDX-License-Identifier: GPL-2.0-only
# Every dependency through pkg-config; a missing one stops configure with the
# Debian package that provides it (scripts/deps installs them all).
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
	message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config "
		"(or run scripts/deps, which installs every build dependency)")
endif()

function(iopass_require var module debpkg)
	pkg_check_modules(${var} QUIET IMPORTED_TARGET ${module})
	if(NOT ${var}_FOUND)
		message(FATAL_ERROR "missing dependency ${module}: "
			"apt-get install ${debpkg} (or run scripts/deps)")
	endif()
	message(STATUS "found ${module} ${${var}_VERSION}")
endfunction()

iopass_require(PCI     libpci         libpci-dev)
iopass_require(NL      libnl-3.0      libnl-3-dev)
iopass_require(NLROUTE libnl-route-3.0 libnl-route-3-dev)
iopass_require(JSONC   json-c         libjson-c-dev)
iopass_require(DPDK    libdpdk        libdpdk-dev)
iopass_require(CMOCKA  cmocka         libcmocka-dev)
# The VMM inflates a bzImage's kernel itself (vmm/kernel_unpack.c).
iopass_require(LZMA    liblzma        liblzma-dev)
iopass_require(ZLIB    zlib           zlib1g-dev)

# The kernel's VFIO and KVM user API headers (linux-libc-dev).
include(CheckIncludeFile)
foreach(hdr linux/kvm.h linux/vfio.h)
	check_include_file(${hdr} have_${hdr})
	if(NOT have_${hdr})
		message(FATAL_ERROR "missing kernel header <${hdr}>: "
			"apt-get install linux-libc-dev (or run scripts/deps)")
	endif()
endforeach()
include(CheckSymbolExists)
check_symbol_exists(IOMMU_IOAS_ALLOC "linux/iommufd.h" IOPASS_HAVE_IOMMUFD)
