-- Deals by product: finding the deals that name a product (an undo keeps a product in use;
-- deleting one clears it from its deals) reads an index, not every deal.
CREATE INDEX opportunities_product ON opportunities(product_id) WHERE product_id IS NOT NULL;
