// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// XMultichain has the event shapes of the Multichain (anySwap) router, the same
// contract on every chain: on the source chain a user locks native coin with
// anySwapOutNative (LogAnySwapOut names the recipient and the destination chain
// id); on the destination chain the bridge's MPC relayer calls anySwapIn, which
// pays the recipient from the contract's liquidity and emits LogAnySwapIn with
// the source transaction's hash. Token 0 stands for the native coin.
contract XMultichain {
    address public immutable mpc;

    event LogAnySwapIn(bytes32 indexed txhash, address indexed token, address indexed to, uint256 amount, uint256 fromChainID, uint256 toChainID);
    event LogAnySwapOut(address indexed token, address indexed from, address indexed to, uint256 amount, uint256 fromChainID, uint256 toChainID);

    constructor(address mpc_) {
        mpc = mpc_;
    }

    // Liquidity for payouts.
    receive() external payable {}

    function anySwapOutNative(address token, address to, uint256 toChainID) external payable {
        require(token == address(0), "XMultichain: native only");
        require(msg.value > 0, "XMultichain: nothing locked");
        emit LogAnySwapOut(token, msg.sender, to, msg.value, block.chainid, toChainID);
    }

    function anySwapIn(bytes32 txhash, address token, address payable to, uint256 amount, uint256 fromChainID) external {
        require(msg.sender == mpc, "XMultichain: only the MPC relayer");
        require(token == address(0), "XMultichain: native only");
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "XMultichain: payout failed");
        emit LogAnySwapIn(txhash, token, to, amount, fromChainID, block.chainid);
    }
}
