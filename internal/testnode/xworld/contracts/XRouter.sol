// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// XRouter has the call signatures and event shapes of THORChain's EVM router
// (THORChain_Router: deposit and transferOut, native asset only). As in the
// real router, `amount` is not read for the native asset: msg.value is what
// moves and what the events report.
contract XRouter {
    // Emitted for all deposits; the memo says what THORChain should do.
    event Deposit(address indexed to, address indexed asset, uint amount, string memo);
    // Emitted for all outgoing transfers; the vault is whoever sends them.
    event TransferOut(address indexed vault, address indexed to, address asset, uint amount, string memo);

    function deposit(address payable vault, address asset, uint /* amount */, string memory memo) public payable {
        require(asset == address(0), "XRouter: native asset only");
        (bool ok, ) = vault.call{value: msg.value}("");
        require(ok, "XRouter: vault refused");
        emit Deposit(vault, asset, msg.value, memo);
    }

    function transferOut(address payable to, address asset, uint /* amount */, string memory memo) public payable {
        require(asset == address(0), "XRouter: native asset only");
        (bool ok, ) = to.call{value: msg.value}("");
        require(ok, "XRouter: recipient refused");
        emit TransferOut(msg.sender, to, asset, msg.value, memo);
    }
}
