// Mantine's anchors, buttons and nav links as typed router links (TanStack Router's createLink):
// `to`, `params` and `search` are checked against the route tree.

import {
  Anchor,
  Button,
  NavLink,
  type AnchorProps,
  type ButtonProps,
  type NavLinkProps,
} from "@mantine/core";
import { createLink, type LinkComponent } from "@tanstack/react-router";
import { forwardRef, type AnchorHTMLAttributes } from "react";

type AnchorAttrs = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "color" | "style">;

const MantineAnchor = forwardRef<HTMLAnchorElement, AnchorProps & AnchorAttrs>((props, ref) => (
  <Anchor ref={ref} {...props} />
));
const MantineButton = forwardRef<HTMLAnchorElement, ButtonProps & AnchorAttrs>((props, ref) => (
  <Button ref={ref} component="a" {...props} />
));
const MantineNavLink = forwardRef<HTMLAnchorElement, NavLinkProps & AnchorAttrs>((props, ref) => (
  <NavLink ref={ref} component="a" {...props} />
));

const AnchorRouterLink = createLink(MantineAnchor);
const ButtonRouterLink = createLink(MantineButton);
const NavRouterLink = createLink(MantineNavLink);

export const AnchorLink: LinkComponent<typeof MantineAnchor> = (props) => (
  <AnchorRouterLink preload="intent" {...props} />
);
export const ButtonLink: LinkComponent<typeof MantineButton> = (props) => (
  <ButtonRouterLink preload="intent" {...props} />
);
export const NavLinkLink: LinkComponent<typeof MantineNavLink> = (props) => (
  <NavRouterLink preload="intent" {...props} />
);
