package uniswap

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/internal/testnode/npm"
)

// TokenSol is our own ERC-20 (the Uniswap routers need approve and
// transferFrom), compiled with the pinned solc-js.
const TokenSol = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract TestToken {
    string public name;
    string public symbol;
    uint8 public decimals;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    constructor(string memory n, string memory s, uint8 d, uint256 supply) {
        name = n; symbol = s; decimals = d; totalSupply = supply;
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }
    function transfer(address to, uint256 v) external returns (bool) { _move(msg.sender, to, v); return true; }
    function approve(address s, uint256 v) external returns (bool) {
        allowance[msg.sender][s] = v; emit Approval(msg.sender, s, v); return true;
    }
    function transferFrom(address f, address to, uint256 v) external returns (bool) {
        uint256 a = allowance[f][msg.sender];
        if (a != type(uint256).max) { require(a >= v, "allowance"); allowance[f][msg.sender] = a - v; }
        _move(f, to, v); return true;
    }
    function _move(address f, address to, uint256 v) internal {
        require(balanceOf[f] >= v, "balance");
        balanceOf[f] -= v; balanceOf[to] += v;
        emit Transfer(f, to, v);
    }
}
`

// MaxUint is 2^256 − 1, an unlimited allowance.
var MaxUint = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// Deadline is far in the future.
var Deadline = big.NewInt(1 << 40)

// V2 is a real Uniswap V2 deployment (the npm packages' compiled factory, pair,
// router02 and WETH9) on the in-process geth.
type V2 struct {
	T                            testing.TB
	N                            *geth.Node
	Factory, Router, WETH        common.Address
	RouterArt, TokenArt, WETHArt *npm.Artifact
}

// DeployV2 deploys WETH9, the factory and router02 from the faucet; it skips
// the test when the npm artifacts are absent (see package npm).
func DeployV2(t testing.TB, n *geth.Node) *V2 {
	t.Helper()
	factoryArt := npm.MustArtifact(t, npm.UniswapV2Core, "build/UniswapV2Factory.json")
	routerArt := npm.MustArtifact(t, npm.UniswapV2Periphery, "build/UniswapV2Router02.json")
	wethArt := npm.MustArtifact(t, npm.UniswapV2Periphery, "build/WETH9.json")
	tokenArt := npm.MustCompile(t, map[string]string{"TestToken.sol": TokenSol}, npm.CompileOptions{EVMVersion: "cancun"})["TestToken"]
	u := &V2{T: t, N: n, RouterArt: routerArt, TokenArt: tokenArt, WETHArt: wethArt}
	f := n.Faucet()
	u.WETH = u.Deploy(f, wethArt)
	u.Factory = u.Deploy(f, factoryArt, f.Address)
	u.Router = u.Deploy(f, routerArt, u.Factory, u.WETH)
	return u
}

// Send calls method on to, mines it and fails the test unless it succeeded.
func (u *V2) Send(from *geth.Account, to common.Address, value *big.Int, art *npm.Artifact, method string, args ...any) common.Hash {
	u.T.Helper()
	data, err := art.Pack(method, args...)
	if err != nil {
		u.T.Fatalf("%s: %v", method, err)
	}
	h := u.N.Send(from, &to, value, data, 5_000_000)
	u.N.Commit()
	u.N.MustSucceed(h)
	return h
}

// Deploy deploys art with constructor args and mines it.
func (u *V2) Deploy(from *geth.Account, art *npm.Artifact, args ...any) common.Address {
	u.T.Helper()
	data, err := art.DeployData(args...)
	if err != nil {
		u.T.Fatal(err)
	}
	h := u.N.Send(from, nil, nil, data, 8_000_000)
	u.N.Commit()
	u.N.MustSucceed(h)
	return u.N.Receipt(h).ContractAddress
}

// Token deploys our ERC-20 crediting supply to from.
func (u *V2) Token(from *geth.Account, name, symbol string, decimals uint8, supply *big.Int) common.Address {
	u.T.Helper()
	return u.Deploy(from, u.TokenArt, name, symbol, decimals, supply)
}

// Amounts calls the router's getAmountsOut/getAmountsIn: what the pools will
// pay (or take), from their reserves, before a swap is sent.
func (u *V2) Amounts(method string, amt *big.Int, path ...common.Address) []*big.Int {
	u.T.Helper()
	data, err := u.RouterArt.Pack(method, amt, path)
	if err != nil {
		u.T.Fatal(err)
	}
	out, err := u.N.Client().CallContract(context.Background(), ethereum.CallMsg{To: &u.Router, Data: data}, nil)
	if err != nil {
		u.T.Fatalf("%s: %v", method, err)
	}
	vs, err := u.RouterArt.ABI.Unpack(method, out)
	if err != nil {
		u.T.Fatal(err)
	}
	return vs[0].([]*big.Int)
}

// V3 adds a real Uniswap V3 deployment (factory and pools from
// @uniswap/v3-core, SwapRouter and NonfungiblePositionManager from
// @uniswap/v3-periphery) next to V2's WETH9 and token.
type V3 struct {
	*V2
	Factory3, Router3, PositionManager common.Address
	RouterArt3, PositionArt            *npm.Artifact
}

// V3Fee is the pools' fee tier: 0.3 %, tick spacing 60.
const V3Fee = 3000

// ExactInputSingle is SwapRouter's ExactInputSingleParams.
type ExactInputSingle struct {
	TokenIn, TokenOut  common.Address
	Fee                *big.Int
	Recipient          common.Address
	Deadline, AmountIn *big.Int
	AmountOutMinimum   *big.Int
	SqrtPriceLimitX96  *big.Int
}

// ExactOutputSingle is SwapRouter's ExactOutputSingleParams.
type ExactOutputSingle struct {
	TokenIn, TokenOut   common.Address
	Fee                 *big.Int
	Recipient           common.Address
	Deadline, AmountOut *big.Int
	AmountInMaximum     *big.Int
	SqrtPriceLimitX96   *big.Int
}

// ExactInput is SwapRouter's ExactInputParams (Path from V3Path).
type ExactInput struct {
	Path               []byte
	Recipient          common.Address
	Deadline, AmountIn *big.Int
	AmountOutMinimum   *big.Int
}

type mintParams struct {
	Token0, Token1                 common.Address
	Fee, TickLower, TickUpper      *big.Int
	Amount0Desired, Amount1Desired *big.Int
	Amount0Min, Amount1Min         *big.Int
	Recipient                      common.Address
	Deadline                       *big.Int
}

// DeployV3 deploys the V3 factory, SwapRouter and position manager.
func DeployV3(t testing.TB, u *V2) *V3 {
	t.Helper()
	fArt := npm.MustArtifact(t, npm.UniswapV3Core, "artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json")
	rArt := npm.MustArtifact(t, npm.UniswapV3Periphery, "artifacts/contracts/SwapRouter.sol/SwapRouter.json")
	mArt := npm.MustArtifact(t, npm.UniswapV3Periphery, "artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json")
	v := &V3{V2: u, RouterArt3: rArt, PositionArt: mArt}
	f := u.N.Faucet()
	v.Factory3 = u.Deploy(f, fArt)
	v.Router3 = u.Deploy(f, rArt, v.Factory3, u.WETH)
	// The token descriptor only renders NFT metadata; nothing here reads it.
	v.PositionManager = u.Deploy(f, mArt, v.Factory3, u.WETH, common.Address{})
	return v
}

// Pool creates a 1:1 pool of a and b and adds full-range liquidity of amt each
// from lp (who must have approved both tokens to the position manager).
func (v *V3) Pool(lp *geth.Account, a, b common.Address, amt *big.Int) {
	v.T.Helper()
	t0, t1 := a, b
	if strings.ToLower(t0.Hex()) > strings.ToLower(t1.Hex()) {
		t0, t1 = t1, t0
	}
	q96 := new(big.Int).Lsh(big.NewInt(1), 96)
	v.Send(lp, v.PositionManager, nil, v.PositionArt, "createAndInitializePoolIfNecessary", t0, t1, big.NewInt(V3Fee), q96)
	v.Send(lp, v.PositionManager, nil, v.PositionArt, "mint", mintParams{
		Token0: t0, Token1: t1, Fee: big.NewInt(V3Fee), TickLower: big.NewInt(-887220), TickUpper: big.NewInt(887220),
		Amount0Desired: amt, Amount1Desired: amt, Amount0Min: big.NewInt(0), Amount1Min: big.NewInt(0),
		Recipient: lp.Address, Deadline: Deadline,
	})
}

// V3Path encodes an exactInput path through V3Fee pools.
func V3Path(tokens ...common.Address) []byte {
	var p []byte
	for i, tk := range tokens {
		if i > 0 {
			p = append(p, 0x00, 0x0b, 0xb8) // 3000 as uint24
		}
		p = append(p, tk.Bytes()...)
	}
	return p
}
