"""What a plan says to the planner: why each late order is late (`late_orders`), typed fixes verified by
re-solving (`fixes`, their sentences in `fix_texts`), and what the predictions did (`effects`)."""
