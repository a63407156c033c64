// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// XSameAddressBridge takes plain native-coin payments and emits nothing: the
// bridge's relayer pays the sender's own address on the destination chain,
// minus a fee, from its own wallet there (the pattern of same-address bridges
// such as those in CertiK's "Bridge Tracing", 2024).
contract XSameAddressBridge {
    receive() external payable {}
}
