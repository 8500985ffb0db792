#!/usr/bin/env bash
# Software Vulkan (SwiftShader, shipped with Debian's chromium) so that LiteRT's GPU accelerator runs on a
# machine without a GPU. Idempotent: apt runs only when a package or the ICD file is missing. Run as root.
set -euo pipefail
ICD=/usr/lib/chromium/vk_swiftshader_icd.json
installed() { [ "$(dpkg-query -W -f='${Status}\n' chromium libvulkan1 2>/dev/null | grep -c 'ok installed')" = 2 ]; }
if ! installed || [ ! -f "$ICD" ]; then
  echo "install_vulkan: installing chromium libvulkan1 (SwiftShader Vulkan ICD)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium libvulkan1 >/dev/null
else
  echo "install_vulkan: chromium and libvulkan1 already installed"
fi
test -f "$ICD" || { echo "install_vulkan: $ICD missing after install" >&2; exit 1; }
echo "install_vulkan: Vulkan ICD at $ICD (hrkeras sets VK_ICD_FILENAMES to it when unset)"
