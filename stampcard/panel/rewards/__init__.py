"""Rewards in the panel: lotteries, vouchers for a customer, bearer batches, redeeming a code at the counter."""
